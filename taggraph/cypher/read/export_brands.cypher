// One page of brands in id order, for exports.
MATCH (n:Brand)
WHERE n.id > $after
RETURN n.id AS id, n.name AS name
ORDER BY id
LIMIT $limit

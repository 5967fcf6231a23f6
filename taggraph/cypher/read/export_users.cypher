// One page of (pseudonymous) users in id order, for exports.
MATCH (n:User)
WHERE n.id > $after
RETURN n.id AS id
ORDER BY id
LIMIT $limit

// One page of tags in id order, for exports (merged and rejected candidates left out).
MATCH (n:Tag)
WHERE n.id > $after AND n.status IN ['active', 'candidate']
RETURN n.id AS id, n.name AS name, n.kind AS kind, n.status AS status
ORDER BY id
LIMIT $limit

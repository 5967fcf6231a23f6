// One page of products in id order, for exports.
MATCH (n:Product)
WHERE n.id > $after AND ($sources IS NULL OR n.source IN $sources)
RETURN n.id AS id, n.name AS name, n.description AS description, n.source AS source,
       n.price AS price
ORDER BY id
LIMIT $limit

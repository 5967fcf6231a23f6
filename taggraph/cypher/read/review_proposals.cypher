// Proposed product tags awaiting review, least confident first.
MATCH (p:Product)-[r:HAS_TAG]->(t:Tag)
WHERE r.status = 'proposed' AND ($kind IS NULL OR t.kind = $kind)
RETURN p.id AS product_id, p.name AS product_name, t.id AS tag_id, t.name AS tag_name,
       t.kind AS kind, t.status AS tag_status, r.source AS source, r.score AS score,
       r.model AS model, r.surface AS surface
ORDER BY coalesce(r.score, 0.0), product_id, tag_id
LIMIT $limit

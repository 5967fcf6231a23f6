// A product's tags with their provenance (and, for generated tags, the surface form).
MATCH (p:Product {id: $product_id})-[r:HAS_TAG]->(t:Tag)
RETURN t.id AS tag_id, t.name AS name, t.kind AS kind, t.status AS tag_status, r.source AS source,
       r.status AS status, r.score AS score, r.model AS model, r.reviewer AS reviewer,
       r.surface AS surface, toString(r.updated_at) AS updated_at
ORDER BY t.kind, t.id

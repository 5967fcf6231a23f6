// A product's tags with their provenance.
MATCH (p:Product {id: $product_id})-[r:HAS_TAG]->(t:Tag)
RETURN t.id AS tag_id, t.name AS name, t.kind AS kind, r.source AS source,
       r.status AS status, r.score AS score, r.model AS model, r.reviewer AS reviewer
ORDER BY t.kind, t.id

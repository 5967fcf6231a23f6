// A product's tags and brand, each with where it came from (source, status, score, model, reviewer).
// @param product_id string  Product id, such as myntra:33554.
MATCH (p:Product {id: $product_id})
CALL (p) {
  MATCH (p)-[r:HAS_TAG]->(t:Tag)
  RETURN t.kind AS kind, t.id AS entity_id, t.name AS entity, r
  UNION ALL
  MATCH (p)-[r:HAS_BRAND]->(b:Brand)
  RETURN 'brand' AS kind, b.id AS entity_id, b.name AS entity, r
}
RETURN kind, entity_id, entity, r.source AS source,
       r.status AS status, round(r.score, 3) AS score, r.model AS model, r.reviewer AS reviewer,
       left(toString(r.updated_at), 16) AS updated_at
ORDER BY kind, entity_id, source

// A product with its leaf category path and brand (a catalog or approved one, not a proposal).
MATCH (p:Product {id: $product_id})
OPTIONAL MATCH (p)-[:IN_CATEGORY]->(leaf:Category)
OPTIONAL MATCH path = (leaf)-[:SUBCATEGORY_OF*0..]->(root:Category)
WHERE NOT (root)-[:SUBCATEGORY_OF]->()
CALL (p) {
  OPTIONAL MATCH (p)-[r:HAS_BRAND]->(b:Brand)
  WHERE coalesce(r.status, 'approved') = 'approved'
  RETURN b
  ORDER BY b.id
  LIMIT 1
}
RETURN p {.*} AS product, [c IN reverse(nodes(path)) | c.name] AS category_path,
       [c IN reverse(nodes(path)) | c.id] AS category_ids, b.name AS brand, b.id AS brand_id

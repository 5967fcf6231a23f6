// A product with its leaf category path and brand.
MATCH (p:Product {id: $product_id})
OPTIONAL MATCH (p)-[:IN_CATEGORY]->(leaf:Category)
OPTIONAL MATCH path = (leaf)-[:SUBCATEGORY_OF*0..]->(root:Category)
WHERE NOT (root)-[:SUBCATEGORY_OF]->()
OPTIONAL MATCH (p)-[:HAS_BRAND]->(b:Brand)
RETURN p {.*} AS product, [c IN reverse(nodes(path)) | c.name] AS category_path,
       [c IN reverse(nodes(path)) | c.id] AS category_ids, b.name AS brand, b.id AS brand_id

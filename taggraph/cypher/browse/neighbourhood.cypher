// A product's tags, brand and category path as a graph (the review page's Neo4j Browser link).
// @param product_id string  Product id, such as myntra:33554.
MATCH path = (p:Product {id: $product_id})-[:HAS_TAG|HAS_BRAND|IN_CATEGORY]->()-[:SUBCATEGORY_OF*0..2]->()
RETURN path

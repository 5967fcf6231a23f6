// Each product to its brand.
UNWIND $rows AS row
MATCH (p:Product {id: row.product_id})
MATCH (b:Brand {id: row.brand_id})
MERGE (p)-[:HAS_BRAND]->(b)

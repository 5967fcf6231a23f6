// Each product in its leaf category.
UNWIND $rows AS row
MATCH (p:Product {id: row.product_id})
MATCH (c:Category {id: row.category_id})
MERGE (p)-[:IN_CATEGORY]->(c)

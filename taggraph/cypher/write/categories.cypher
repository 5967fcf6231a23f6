// Category nodes, parents before children within a batch, linked by SUBCATEGORY_OF.
UNWIND $rows AS row
MERGE (c:Category {id: row.id})
SET c.name = row.name, c.level = row.level, c.source = row.source
WITH c, row
CALL (c, row) {
  WITH c, row WHERE row.parent_id IS NOT NULL
  MATCH (parent:Category {id: row.parent_id})
  MERGE (c)-[:SUBCATEGORY_OF]->(parent)
}

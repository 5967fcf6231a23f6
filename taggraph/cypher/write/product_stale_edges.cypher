// Before a product's catalog facts are written again, remove the catalog facts its row no
// longer states: another leaf category, another brand, catalog tags it lost. Edges decided
// by a person or proposed by a model are left alone.
UNWIND $rows AS row
MATCH (p:Product {id: row.id})
CALL (p, row) {
  MATCH (p)-[old:IN_CATEGORY]->(c:Category)
  WHERE c.id <> coalesce(row.category_id, '')
  DELETE old
}
CALL (p, row) {
  MATCH (p)-[old:HAS_BRAND]->(b:Brand)
  WHERE b.id <> coalesce(row.brand_id, '')
  DELETE old
}
CALL (p, row) {
  MATCH (p)-[old:HAS_TAG {source: 'catalog'}]->(t:Tag)
  WHERE NOT t.id IN row.tag_ids
  DELETE old
}

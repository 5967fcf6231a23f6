// Before a product's catalog facts are written again, remove the catalog facts its row no
// longer states: another leaf category, another brand, catalog tags it lost. Edges decided
// by a person or proposed by a model are left alone.
// The far ends carry no label on purpose: the relationship type says what they are, and with
// no label to scan the planner can only expand from the product, whatever statistics it
// planned with (a plan cached while the graph was small took 15 of Flipkart's 19 s).
UNWIND $rows AS row
MATCH (p:Product {id: row.id})
CALL (p, row) {
  MATCH (p)-[old:IN_CATEGORY]->(c)
  WHERE c.id <> coalesce(row.category_id, '')
  DELETE old
}
CALL (p, row) {
  MATCH (p)-[old:HAS_BRAND]->(b)
  WHERE b.id <> coalesce(row.brand_id, '')
  DELETE old
}
CALL (p, row) {
  MATCH (p)-[old:HAS_TAG {source: 'catalog'}]->(t)
  WHERE NOT t.id IN row.tag_ids
  DELETE old
}

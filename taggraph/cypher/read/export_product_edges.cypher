// The outgoing edges of a chunk of products with every property they hold: tags (proposed and
// rejected edges included, with their status and provenance), the leaf category and the brand.
UNWIND $ids AS id
MATCH (p:Product {id: id})
CALL (p) {
  MATCH (p)-[r:HAS_TAG]->(t:Tag)
  WHERE t.status IN ['active', 'candidate']
  RETURN collect({id: t.id, properties: properties(r)}) AS tags
}
CALL (p) {
  OPTIONAL MATCH (p)-[:IN_CATEGORY]->(c:Category)
  RETURN collect(c.id) AS categories
}
CALL (p) {
  OPTIONAL MATCH (p)-[r:HAS_BRAND]->(b:Brand)
  RETURN collect({id: b.id, properties: properties(r)}) AS brands
}
RETURN p.id AS id, tags, categories, [b IN brands WHERE b.id IS NOT NULL] AS brands

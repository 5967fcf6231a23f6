// The outgoing edges of a chunk of products: tags with their provenance (proposed and rejected
// edges included, with their status), the leaf category and the brand (with its status and score).
UNWIND $ids AS id
MATCH (p:Product {id: id})
CALL (p) {
  MATCH (p)-[r:HAS_TAG]->(t:Tag)
  WHERE t.status IN ['active', 'candidate']
  RETURN collect({id: t.id, source: r.source, status: r.status, score: r.score}) AS tags
}
CALL (p) {
  OPTIONAL MATCH (p)-[:IN_CATEGORY]->(c:Category)
  RETURN collect(c.id) AS categories
}
CALL (p) {
  OPTIONAL MATCH (p)-[r:HAS_BRAND]->(b:Brand)
  RETURN collect({id: b.id, status: coalesce(r.status, 'approved'), score: r.score}) AS brands
}
RETURN p.id AS id, tags, categories, [b IN brands WHERE b.id IS NOT NULL] AS brands

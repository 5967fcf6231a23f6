// The values the review queue can be filtered by: tag kinds, proposing sources and models of
// proposed edges, catalog sources, and categories.
CALL () {
  MATCH (:Product)-[r:HAS_TAG {status: 'proposed'}]->(t:Tag)
  RETURN collect(DISTINCT t.kind) AS kinds, collect(DISTINCT r.source) AS sources,
         collect(DISTINCT r.model) AS models
}
CALL () {
  MATCH (p:Product)
  RETURN collect(DISTINCT p.source) AS product_sources
}
CALL () {
  MATCH (c:Category)
  WITH c ORDER BY c.name, c.id
  RETURN collect({id: c.id, name: c.name}) AS categories
}
RETURN kinds, sources, models, product_sources, categories

// Products and tags carrying a GNN embedding, and the runs that wrote them.
CALL () {
  MATCH (p:Product) WHERE p.embedding IS NOT NULL
  WITH count(p) AS count, collect(DISTINCT p.embedding_run) AS runs
  RETURN 'Product' AS label, count, runs
  UNION ALL
  MATCH (t:Tag) WHERE t.embedding IS NOT NULL
  WITH count(t) AS count, collect(DISTINCT t.embedding_run) AS runs
  RETURN 'Tag' AS label, count, runs
}
RETURN label, count, runs

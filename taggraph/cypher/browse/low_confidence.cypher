// Proposed tags a model scored below a confidence, least confident first: what to review next.
// @param max_score float = 0.5  Proposals scored below this.
// @param source string = null  Only proposals of this model source (tagger, extractor, fused); all when null.
// @param limit int = 50  Most rows.
MATCH (p:Product)-[r:HAS_TAG]->(t:Tag)
WHERE r.status = 'proposed' AND coalesce(r.score, 0.0) < $max_score
  AND ($source IS NULL OR r.source = $source)
RETURN p.id AS product_id, p.name AS product, t.id AS tag_id, t.kind AS kind,
       r.source AS source, round(coalesce(r.score, 0.0), 3) AS score, r.model AS model,
       r.surface AS surface
ORDER BY score, product_id, tag_id
LIMIT toInteger($limit)

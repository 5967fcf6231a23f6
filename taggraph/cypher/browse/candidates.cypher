// Candidate entities awaiting review with the existing entities nearest to them (linker scores).
// @param kind string = null  Only candidates of this tag kind; all when null.
// @param limit int = 50  Most candidates.
MATCH (c:Tag {status: 'candidate'})
WHERE $kind IS NULL OR c.kind = $kind
WITH c, COUNT { (c)<-[:HAS_TAG {status: 'proposed'}]-(:Product) } AS products
ORDER BY coalesce(c.suggested_scores[0], 0.0) DESC, products DESC, c.id
LIMIT toInteger($limit)
CALL (c) {
  UNWIND range(0, size(coalesce(c.suggested_ids, [])) - 1) AS rank
  WITH rank, c.suggested_ids[rank] AS near_id, c.suggested_scores[rank] AS score
  OPTIONAL MATCH (tag:Tag {id: near_id})
  OPTIONAL MATCH (brand:Brand {id: near_id})
  OPTIONAL MATCH (category:Category {id: near_id})
  WITH rank, coalesce(tag.name, brand.name, category.name, near_id) AS name, score
  ORDER BY rank
  RETURN collect(name + ' (' + toString(round(score, 2)) + ')') AS nearest
}
RETURN c.id AS candidate_id, c.name AS candidate, c.kind AS kind, products,
       coalesce(c.surfaces, []) AS surfaces, nearest

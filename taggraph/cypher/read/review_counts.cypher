// What is left to review under the filters of read/review_proposals: proposals per tag kind,
// and candidate entities.
CALL () {
  MATCH (p:Product)-[r:HAS_TAG]->(t:Tag)
  USING INDEX r:HAS_TAG(status)
  WHERE r.status = 'proposed'
    AND ($kind IS NULL OR t.kind = $kind)
    AND ($source IS NULL OR r.source = $source)
    AND ($model IS NULL OR r.model = $model)
    AND ($min_score IS NULL OR coalesce(r.score, 0.0) >= $min_score)
    AND ($max_score IS NULL OR coalesce(r.score, 0.0) <= $max_score)
    AND ($product_source IS NULL OR p.source = $product_source)
    AND ($category_id IS NULL OR
         EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category_id}) })
  WITH t.kind AS kind, count(*) AS proposals
  ORDER BY kind
  RETURN collect({kind: kind, proposals: proposals}) AS by_kind
}
CALL () {
  MATCH (t:Tag)
  WHERE t.status = 'candidate' AND ($kind IS NULL OR t.kind = $kind)
  RETURN count(t) AS candidates
}
RETURN by_kind, candidates

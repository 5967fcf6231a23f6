// A person's decision on a product's tag: a human fact that no model run or catalog
// re-ingest changes afterwards. Decisions on one product are serialised by a write lock on
// the product taken before anything is read, so each is applied exactly once: a decision the
// edge already records changes nothing ('unchanged'), and an edge to a tag that is not active
// is not decided ('not_active'): a candidate not yet accepted may have its edges rejected, not
// approved; a rejected or merged tag takes no decision.
// One row per input row: its outcome.
UNWIND $rows AS row
OPTIONAL MATCH (p:Product {id: row.product_id})
OPTIONAL MATCH (t:Tag {id: row.tag_id})
OPTIONAL CALL (p, t, row) {
  WITH p, t, row WHERE p IS NOT NULL AND t IS NOT NULL
  SET p.review_lock = true
  REMOVE p.review_lock
  WITH p, t, row
  OPTIONAL MATCH (p)-[old:HAS_TAG]->(t)
  WITH p, t, row,
       CASE
         WHEN t.status <> 'active' AND NOT (t.status = 'candidate' AND row.status = 'rejected') THEN 'not_active'
         WHEN old IS NOT NULL AND old.source = 'human' AND old.status = row.status THEN 'unchanged'
         ELSE 'applied'
       END AS outcome
  CALL (p, t, row, outcome) {
    WITH p, t, row WHERE outcome = 'applied'
    MERGE (p)-[r:HAS_TAG]->(t)
    SET r.source = 'human', r.status = row.status, r.reviewer = row.reviewer, r.updated_at = datetime()
  }
  RETURN outcome
}
RETURN row.index AS index, coalesce(outcome, 'unknown') AS outcome

// Undo a batch's decisions on product tags: each edge goes back to exactly what it was before
// (removed if the decision created it), and the decision it superseded is live again. A
// decision is not undone when a later one superseded it ('superseded') or the edge no longer
// holds what it wrote ('changed'). The product is locked before the edge is read.
// One row per decision of the batch: its outcome.
MATCH (d:Decision {batch: $batch, subject: 'edge'})
WHERE d.undone_at IS NULL AND d.reviewer = $reviewer
MATCH (p:Product {id: d.product_id})
SET p.review_lock = true
REMOVE p.review_lock
WITH d, p
OPTIONAL MATCH (p)-[r:HAS_TAG]->(:Tag {id: d.tag_id})
WITH d, r,
     CASE
       WHEN d.superseded_by IS NOT NULL THEN 'superseded'
       WHEN r IS NULL OR r.source <> 'human' OR r.status <> d.status OR r.reviewer <> d.reviewer THEN 'changed'
       ELSE 'undone'
     END AS outcome
CALL (d, r, outcome) {
  WITH d, r WHERE outcome = 'undone' AND d.before_exists
  SET r.source = d.before_source, r.status = d.before_status, r.score = d.before_score,
      r.model = d.before_model, r.surface = d.before_surface, r.link_score = d.before_link_score,
      r.run = d.before_run, r.reviewer = d.before_reviewer, r.updated_at = d.before_updated_at,
      r.text_score = d.before_text_score, r.graph_score = d.before_graph_score
}
CALL (d, r, outcome) {
  WITH d, r WHERE outcome = 'undone' AND NOT d.before_exists
  DELETE r
}
CALL (d, outcome) {
  WITH d WHERE outcome = 'undone'
  SET d.undone_at = datetime(), d.undone_by = $reviewer
  WITH d
  OPTIONAL MATCH (earlier:Decision {id: d.supersedes})
  SET earlier.superseded_by = null
}
RETURN d.id AS decision_id, d.seq AS seq, outcome
ORDER BY seq

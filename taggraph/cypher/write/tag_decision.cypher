// A person's decision on a product's tag: a human fact that no model run or catalog
// re-ingest changes afterwards. Decisions on one product are serialised by a write lock on
// the product taken before anything is read, so each is applied exactly once: a decision the
// edge already records changes nothing ('unchanged'), and an edge to a tag that is not active
// is not decided ('not_active'): a candidate not yet accepted may have its edges rejected, not
// approved; a rejected or merged tag takes no decision.
// Each applied decision is recorded as a (:Decision) with the edge as it was before, so it can
// be undone; the edge's earlier live decision, if any, is marked superseded by it.
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
  WITH p, t, row, old,
       CASE
         WHEN t.status <> 'active' AND NOT (t.status = 'candidate' AND row.status = 'rejected') THEN 'not_active'
         WHEN old IS NOT NULL AND old.source = 'human' AND old.status = row.status THEN 'unchanged'
         ELSE 'applied'
       END AS outcome
  CALL (p, t, row, old, outcome) {
    WITH p, t, row, old WHERE outcome = 'applied'
    OPTIONAL MATCH (earlier:Decision {edge: p.id + '|' + t.id})
    WHERE earlier.superseded_by IS NULL AND earlier.undone_at IS NULL
    WITH p, t, row, old, collect(earlier) AS earlier
    CREATE (d:Decision {
      id: randomUUID(), batch: $batch, seq: row.index, reviewer: row.reviewer, at: datetime(),
      action: row.action, subject: 'edge', product_id: p.id, tag_id: t.id, edge: p.id + '|' + t.id,
      status: row.status, before_exists: old IS NOT NULL, before_source: old.source,
      before_status: old.status, before_score: old.score, before_model: old.model,
      before_surface: old.surface, before_link_score: old.link_score, before_run: old.run,
      before_reviewer: old.reviewer, before_updated_at: old.updated_at,
      before_text_score: old.text_score, before_graph_score: old.graph_score,
      supersedes: [e IN earlier | e.id][0]
    })
    FOREACH (e IN earlier | SET e.superseded_by = d.id)
    MERGE (p)-[r:HAS_TAG]->(t)
    SET r.source = 'human', r.status = row.status, r.reviewer = row.reviewer, r.updated_at = d.at
  }
  RETURN outcome
}
RETURN row.index AS index, coalesce(outcome, 'unknown') AS outcome

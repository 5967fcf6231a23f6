// A person accepts a candidate entity as a new tag ('active': the linker indexes it at its
// next build) or rejects it ('rejected': the proposals that pointed at it are removed).
// Decisions on one candidate are serialised by a write lock on it taken before its status is
// read, so exactly one of several at once is applied; the others find it 'decided'.
// Each applied decision is recorded as a (:Decision) with the removed proposals, so it can be
// undone. One row per input row: its outcome.
UNWIND $rows AS row
OPTIONAL MATCH (t:Tag {id: row.tag_id})
OPTIONAL CALL (t, row) {
  WITH t, row WHERE t IS NOT NULL
  SET t.review_lock = true
  REMOVE t.review_lock
  WITH t, row
  WITH t, row, CASE WHEN t.status = 'candidate' THEN 'applied' ELSE 'decided' END AS outcome
  CALL (t, row, outcome) {
    WITH t, row WHERE outcome = 'applied'
    CREATE (d:Decision {
      id: randomUUID(), batch: $batch, seq: row.index, reviewer: row.reviewer, at: datetime(),
      action: row.action, subject: 'candidate', tag_id: t.id, status: row.status,
      before_status: t.status, before_reviewer: t.reviewer, before_reviewed_at: t.reviewed_at
    })
    SET t.status = row.status, t.reviewer = row.reviewer, t.reviewed_at = d.at
    WITH t, row, d
    CALL (t, row, d) {
      WITH t, row, d WHERE row.status = 'rejected'
      MATCH (p:Product)-[r:HAS_TAG {status: 'proposed'}]->(t)
      WITH d, p, r, properties(r) AS was
      DELETE r
      WITH d, collect(p.id) AS products, collect(was) AS removed
      SET d.removed_products = products,
          d.removed_sources = [e IN removed | coalesce(e.source, '')],
          d.removed_scores = [e IN removed | coalesce(e.score, 0.0)],
          d.removed_link_scores = [e IN removed | coalesce(e.link_score, 0.0)],
          d.removed_surfaces = [e IN removed | coalesce(e.surface, '')],
          d.removed_models = [e IN removed | coalesce(e.model, '')],
          d.removed_runs = [e IN removed | coalesce(e.run, '')],
          d.removed_updated_at = [e IN removed | coalesce(e.updated_at, d.at)]
    }
  }
  RETURN outcome
}
RETURN row.index AS index, coalesce(outcome, 'unknown') AS outcome

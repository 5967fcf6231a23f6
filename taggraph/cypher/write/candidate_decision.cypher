// A person accepts a candidate entity as a new tag ('active': the linker indexes it at its
// next build) or rejects it ('rejected': the proposals that pointed at it are removed).
// Decisions on one candidate are serialised by a write lock on it taken before its status is
// read, so exactly one of several at once is applied; the others find it 'decided'.
// One row per input row: its outcome.
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
    SET t.status = row.status, t.reviewer = row.reviewer, t.reviewed_at = datetime()
    WITH t, row
    OPTIONAL MATCH (t)<-[r:HAS_TAG {status: 'proposed'}]-(:Product)
    WITH r WHERE row.status = 'rejected' AND r IS NOT NULL
    DELETE r
  }
  RETURN outcome
}
RETURN row.index AS index, coalesce(outcome, 'unknown') AS outcome

// A person accepts a candidate entity as a new tag ('active': the linker indexes it at its
// next build) or rejects it ('rejected': the proposals that pointed at it are removed).
UNWIND $rows AS row
MATCH (t:Tag {id: row.tag_id})
WHERE t.status = 'candidate'
SET t.status = row.status, t.reviewer = row.reviewer, t.reviewed_at = datetime()
WITH t, row
CALL (t, row) {
  OPTIONAL MATCH (t)<-[r:HAS_TAG {status: 'proposed'}]-(:Product)
  WITH r WHERE row.status = 'rejected' AND r IS NOT NULL
  DELETE r
}
RETURN t.id AS tag_id, t.status AS status

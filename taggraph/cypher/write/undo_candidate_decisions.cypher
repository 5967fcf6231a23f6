// Undo a batch's decisions on candidate entities: the candidate is a candidate again with the
// proposals the decision removed; a merge also takes back the aliases it added to the entity
// and the proposals it created there (those a person has not decided since). A decision is not
// undone when the candidate's status is no longer the one it set ('changed'). The candidate is
// locked before it is read. One row per decision of the batch: its outcome.
MATCH (d:Decision {batch: $batch, subject: 'candidate'})
WHERE d.undone_at IS NULL AND d.reviewer = $reviewer
MATCH (c:Tag {id: d.tag_id})
SET c.review_lock = true
REMOVE c.review_lock
WITH d, c, CASE WHEN c.status = d.status THEN 'undone' ELSE 'changed' END AS outcome
CALL (d, c, outcome) {
  WITH d, c WHERE outcome = 'undone'
  SET c.status = d.before_status, c.reviewer = d.before_reviewer, c.reviewed_at = d.before_reviewed_at,
      c.merged_into = null, d.undone_at = datetime(), d.undone_by = $reviewer
  WITH d, c
  CALL (d) {
    WITH d WHERE d.into_id IS NOT NULL
    OPTIONAL MATCH (tag:Tag {id: d.into_id})
    OPTIONAL MATCH (brand:Brand {id: d.into_id})
    WITH d, coalesce(tag, brand) AS entity
    SET entity.aliases = [alias IN coalesce(entity.aliases, []) WHERE NOT alias IN d.added_aliases]
    WITH d, entity
    UNWIND d.created_products AS product_id
    MATCH (:Product {id: product_id})-[r:HAS_TAG|HAS_BRAND {status: 'proposed'}]->(entity)
    DELETE r
  }
  CALL (d, c) {
    UNWIND range(0, size(coalesce(d.removed_products, [])) - 1) AS i
    MATCH (p:Product {id: d.removed_products[i]})
    MERGE (p)-[r:HAS_TAG]->(c)
    ON CREATE SET r.source = d.removed_sources[i], r.status = 'proposed', r.score = d.removed_scores[i],
                  r.link_score = d.removed_link_scores[i], r.model = CASE d.removed_models[i] WHEN '' THEN null ELSE d.removed_models[i] END,
                  r.surface = CASE d.removed_surfaces[i] WHEN '' THEN null ELSE d.removed_surfaces[i] END, r.run = CASE d.removed_runs[i] WHEN '' THEN null ELSE d.removed_runs[i] END,
                  r.updated_at = d.removed_updated_at[i]
  }
}
RETURN d.id AS decision_id, d.seq AS seq, outcome
ORDER BY seq

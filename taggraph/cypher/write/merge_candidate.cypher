// A person decides a candidate entity is an existing one: its name and surface forms become
// aliases of the entity (the linker picks them up at its next build), the proposals that
// pointed at the candidate move to the entity (an edge already there is left as it is), and
// the candidate is kept as 'merged' for the record. The candidate and the entity are locked
// before either is read, so of several decisions on one candidate at once exactly one is
// applied ('decided' for the others) and no alias is lost to a concurrent merge.
// Each applied merge is recorded as a (:Decision) with the aliases it added, the proposals it
// removed from the candidate and the edges it created on the entity, so it can be undone.
// One row per input row: its outcome.
UNWIND $rows AS row
OPTIONAL MATCH (c:Tag {id: row.candidate_id})
OPTIONAL CALL (c, row) {
  WITH c, row WHERE c IS NOT NULL
  SET c.review_lock = true
  REMOVE c.review_lock
  WITH c, row
  OPTIONAL MATCH (tag:Tag {id: row.into_id})
  WHERE tag.status = 'active' AND tag.kind = c.kind
  OPTIONAL MATCH (brand:Brand {id: row.into_id})
  WHERE c.kind = 'brand'
  WITH c, row, coalesce(tag, brand) AS entity
  WITH c, row, entity,
       CASE
         WHEN c.status <> 'candidate' THEN 'decided'
         WHEN entity IS NULL THEN 'no_target'
         ELSE 'applied'
       END AS outcome
  CALL (c, row, entity, outcome) {
    WITH c, row, entity WHERE outcome = 'applied'
    SET entity.review_lock = true
    REMOVE entity.review_lock
    WITH c, row, entity,
         reduce(added = [], surface IN [c.name] + coalesce(c.surfaces, []) |
                CASE WHEN surface IN added OR surface IN coalesce(entity.aliases, []) OR surface = entity.name
                     THEN added ELSE added + surface END) AS added
    CREATE (d:Decision {
      id: randomUUID(), batch: $batch, seq: row.index, reviewer: row.reviewer, at: datetime(),
      action: 'merge', subject: 'candidate', tag_id: c.id, into_id: entity.id, status: 'merged',
      before_status: c.status, before_reviewer: c.reviewer, before_reviewed_at: c.reviewed_at,
      added_aliases: added
    })
    SET entity.aliases = coalesce(entity.aliases, []) + added,
        c.status = 'merged', c.merged_into = entity.id, c.reviewer = row.reviewer, c.reviewed_at = d.at
    WITH c, entity, d
    CALL (c, entity, d) {
      MATCH (p:Product)-[old:HAS_TAG {status: 'proposed'}]->(c)
      OPTIONAL MATCH (p)-[existing:HAS_TAG|HAS_BRAND]->(entity)
      WITH p, old, entity, existing IS NULL AS creates, properties(old) AS was
      CALL (p, entity, creates, was) {
        WITH p, entity, was WHERE creates AND entity:Tag
        CREATE (p)-[r:HAS_TAG]->(entity)
        SET r = was
      }
      CALL (p, entity, creates, was) {
        WITH p, entity, was WHERE creates AND entity:Brand
        CREATE (p)-[r:HAS_BRAND]->(entity)
        SET r = was
      }
      DELETE old
      RETURN collect(p.id) AS products, collect(was) AS removed,
             collect(CASE WHEN creates THEN p.id END) AS created
    }
    SET d.removed_products = products,
        d.removed_sources = [e IN removed | coalesce(e.source, '')],
        d.removed_scores = [e IN removed | coalesce(e.score, 0.0)],
        d.removed_link_scores = [e IN removed | coalesce(e.link_score, 0.0)],
        d.removed_surfaces = [e IN removed | coalesce(e.surface, '')],
        d.removed_models = [e IN removed | coalesce(e.model, '')],
        d.removed_runs = [e IN removed | coalesce(e.run, '')],
        d.removed_updated_at = [e IN removed | coalesce(e.updated_at, d.at)],
        d.created_products = created
  }
  RETURN outcome
}
RETURN row.index AS index, coalesce(outcome, 'unknown') AS outcome

// A person decides a candidate entity is an existing one: its name and surface forms become
// aliases of the entity (the linker picks them up at its next build), the proposals that
// pointed at the candidate move to the entity (an edge already there is left as it is), and
// the candidate is kept as 'merged' for the record. The candidate and the entity are locked
// before either is read, so of several decisions on one candidate at once exactly one is
// applied ('decided' for the others) and no alias is lost to a concurrent merge.
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
    WITH c, row, entity
    SET entity.aliases = reduce(known = coalesce(entity.aliases, []), surface IN [c.name] + coalesce(c.surfaces, []) |
                                CASE WHEN surface IN known OR surface = entity.name THEN known ELSE known + surface END),
        c.status = 'merged', c.merged_into = entity.id, c.reviewer = row.reviewer, c.reviewed_at = datetime()
    WITH c, entity
    OPTIONAL MATCH (p:Product)-[old:HAS_TAG {status: 'proposed'}]->(c)
    WITH p, old, entity WHERE old IS NOT NULL
    CALL (p, old, entity) {
      WITH p, old, entity WHERE entity:Tag
      MERGE (p)-[r:HAS_TAG]->(entity)
      ON CREATE SET r += properties(old)
    }
    CALL (p, old, entity) {
      WITH p, old, entity WHERE entity:Brand
      MERGE (p)-[r:HAS_BRAND]->(entity)
      ON CREATE SET r += properties(old)
    }
    DELETE old
  }
  RETURN outcome
}
RETURN row.index AS index, coalesce(outcome, 'unknown') AS outcome

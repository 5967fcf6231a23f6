// A person decides a candidate entity is an existing one: its name and surface forms become
// aliases of the entity (the linker picks them up at its next build), the proposals that
// pointed at the candidate move to the entity (an edge already there is left as it is), and
// the candidate is kept as 'merged' for the record.
UNWIND $rows AS row
MATCH (c:Tag {id: row.candidate_id})
WHERE c.status = 'candidate'
CALL (c, row) {
  OPTIONAL MATCH (tag:Tag {id: row.into_id})
  WHERE tag.status = 'active' AND tag.kind = c.kind
  OPTIONAL MATCH (brand:Brand {id: row.into_id})
  WHERE c.kind = 'brand'
  RETURN coalesce(tag, brand) AS entity
}
WITH c, row, entity
WHERE entity IS NOT NULL
SET entity.aliases = reduce(known = coalesce(entity.aliases, []), surface IN [c.name] + coalesce(c.surfaces, []) |
                            CASE WHEN surface IN known OR surface = entity.name THEN known ELSE known + surface END),
    c.status = 'merged', c.merged_into = entity.id, c.reviewer = row.reviewer, c.reviewed_at = datetime()
WITH c, entity
CALL (c, entity) {
  OPTIONAL MATCH (p:Product)-[old:HAS_TAG {status: 'proposed'}]->(c)
  WITH p, old WHERE old IS NOT NULL
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
  RETURN count(old) AS moved
}
RETURN c.id AS candidate_id, entity.id AS into_id, moved

// Tags generated from text that link to no entity: candidate entities for review, with the
// nearest entities as suggestions. An existing tag keeps its name and status; a candidate
// gathers the surface forms it was generated from and the latest suggestions.
UNWIND $rows AS row
MERGE (t:Tag {id: row.id})
ON CREATE SET t.name = row.name, t.kind = row.kind, t.status = 'candidate', t.surfaces = [],
              t.created_at = datetime()
WITH t, row
WHERE t.status = 'candidate'
SET t.surfaces = CASE WHEN row.name IN t.surfaces OR size(t.surfaces) >= 20 THEN t.surfaces
                      ELSE t.surfaces + row.name END,
    t.suggested_ids = row.suggested_ids, t.suggested_scores = row.suggested_scores,
    t.updated_at = datetime()
RETURN count(t) AS candidates

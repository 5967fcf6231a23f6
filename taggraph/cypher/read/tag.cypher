// One tag with its review state: a candidate's surface forms and suggested entities.
MATCH (t:Tag {id: $tag_id})
RETURN t.id AS id, t.name AS name, t.kind AS kind, t.status AS status,
       coalesce(t.surfaces, []) AS surfaces, coalesce(t.suggested_ids, []) AS suggested_ids,
       coalesce(t.suggested_scores, []) AS suggested_scores

// Candidate entities awaiting review, those most likely to be an existing entity first, with
// their surface forms, suggested entities and the count of products proposing them.
MATCH (t:Tag)
WHERE t.status = 'candidate' AND ($kind IS NULL OR t.kind = $kind)
RETURN t.id AS tag_id, t.name AS name, t.kind AS kind, coalesce(t.surfaces, []) AS surfaces,
       coalesce(t.suggested_ids, []) AS suggested_ids,
       coalesce(t.suggested_scores, []) AS suggested_scores,
       COUNT { (t)<-[:HAS_TAG {status: 'proposed'}]-(:Product) } AS products
ORDER BY coalesce(t.suggested_scores[0], 0.0) DESC, products DESC, tag_id
LIMIT $limit

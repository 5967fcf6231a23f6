// Review decisions, newest first, of one product, one reviewer or both (null: any), with
// what superseded or undid each.
MATCH (d:Decision)
WHERE ($product_id IS NULL OR d.product_id = $product_id)
  AND ($reviewer IS NULL OR d.reviewer = $reviewer)
  AND ($tag_id IS NULL OR d.tag_id = $tag_id)
OPTIONAL MATCH (later:Decision {id: d.superseded_by})
RETURN d.id AS decision_id, d.batch AS batch, d.reviewer AS reviewer, toString(d.at) AS at,
       d.action AS action, d.subject AS subject, d.product_id AS product_id, d.tag_id AS tag_id,
       d.into_id AS into_id, d.status AS status, d.before_status AS before_status,
       d.before_source AS before_source, d.before_score AS before_score,
       later.reviewer AS superseded_by, toString(later.at) AS superseded_at,
       d.undone_by AS undone_by, toString(d.undone_at) AS undone_at
ORDER BY d.at DESC, d.seq DESC
LIMIT $limit

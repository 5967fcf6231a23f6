// Proposed product tags awaiting review, least confident first, restricted by the filters
// (each null: any): tag kind, proposing source, model, score range, the product's catalog
// source and category (the category or any below it). With $details, each row also carries
// what a reviewer needs to decide: the product's text, category path, brand and every tag it
// has now with provenance, and the linker's nearest other entities (the edge's, or the
// candidate's suggestions).
// The status index is named as a hint: without it the planner scans every product (4x slower
// on the demo graph).
MATCH (p:Product)-[r:HAS_TAG]->(t:Tag)
USING INDEX r:HAS_TAG(status)
WHERE r.status = 'proposed'
  AND ($kind IS NULL OR t.kind = $kind)
  AND ($source IS NULL OR r.source = $source)
  AND ($model IS NULL OR r.model = $model)
  AND ($min_score IS NULL OR coalesce(r.score, 0.0) >= $min_score)
  AND ($max_score IS NULL OR coalesce(r.score, 0.0) <= $max_score)
  AND ($product_source IS NULL OR p.source = $product_source)
  AND ($category_id IS NULL OR
       EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category_id}) })
WITH p, r, t
ORDER BY coalesce(r.score, 0.0), p.id, t.id
LIMIT $limit
OPTIONAL CALL (p, t) {
  WITH p, t WHERE $details
  OPTIONAL MATCH (p)-[:IN_CATEGORY]->(leaf:Category)
  OPTIONAL MATCH path = (leaf)-[:SUBCATEGORY_OF*0..]->(root:Category)
  WHERE NOT (root)-[:SUBCATEGORY_OF]->()
  WITH p, t, [c IN reverse(nodes(path)) | c.name] AS category_path
  LIMIT 1
  CALL (p) {
    OPTIONAL MATCH (p)-[b:HAS_BRAND]->(brand:Brand)
    WITH b, brand ORDER BY CASE coalesce(b.status, 'approved') WHEN 'approved' THEN 0 ELSE 1 END, brand.id
    RETURN brand.name AS brand
    LIMIT 1
  }
  CALL (p) {
    MATCH (p)-[e:HAS_TAG]->(other:Tag)
    WITH other, e ORDER BY other.kind, other.id
    RETURN collect({tag_id: other.id, name: other.name, kind: other.kind, source: e.source,
                    status: e.status, score: e.score, model: e.model, reviewer: e.reviewer}) AS tags
  }
  RETURN p.description AS description, category_path, brand, tags,
         coalesce(t.suggested_ids, []) AS suggested_ids, coalesce(t.suggested_scores, []) AS suggested_scores
}
WITH p, r, t, description, category_path, brand, tags,
     CASE WHEN size(coalesce(r.nearest_ids, [])) > 0 THEN r.nearest_ids ELSE suggested_ids END AS nearest_ids,
     CASE WHEN size(coalesce(r.nearest_ids, [])) > 0 THEN r.nearest_scores ELSE suggested_scores END AS nearest_scores
RETURN p.id AS product_id, p.name AS product_name, t.id AS tag_id, t.name AS tag_name,
       t.kind AS kind, t.status AS tag_status, r.source AS source, r.score AS score,
       r.model AS model, r.surface AS surface, r.link_score AS link_score, r.text_score AS text_score,
       r.graph_score AS graph_score, p.source AS product_source,
       description, category_path, brand, tags, nearest_ids, nearest_scores

// Products like $product_id, scored by what they share with it, rarer things counting more
// (1 / ln(2 + degree)). Candidates: at most $scan products carrying both of its two rarest
// tags, and at most $scan of its leaf category and of its brand (its catalog brand, else the
// likeliest proposed one). Rejected edges count for nothing.
MATCH (p:Product {id: $product_id})
OPTIONAL MATCH (p)-[r:HAS_TAG]->(t:Tag)
WHERE r.status <> 'rejected'
WITH p, t, COUNT { (t)<-[:HAS_TAG]-() } AS degree
ORDER BY degree, t.id
WITH p, collect(t) AS tag_nodes, collect(1.0 / log(2.0 + degree)) AS tag_weights
OPTIONAL MATCH (p)-[:IN_CATEGORY]->(category:Category)
CALL (p) {
  OPTIONAL MATCH (p)-[rb:HAS_BRAND]->(b:Brand)
  WHERE coalesce(rb.status, 'approved') <> 'rejected'
  RETURN b AS brand
  ORDER BY coalesce(rb.status, 'approved') = 'approved' DESC, rb.score DESC, b.id
  LIMIT 1
}
WITH p, tag_nodes, tag_weights, category, brand,
     CASE WHEN category IS NULL THEN 0.0 ELSE 1.0 / log(2.0 + COUNT { (category)<-[:IN_CATEGORY]-() }) END
       AS category_weight,
     CASE WHEN brand IS NULL THEN 0.0 ELSE 1.0 / log(2.0 + COUNT { (brand)<-[:HAS_BRAND]-() }) END
       AS brand_weight
CALL (p, tag_nodes, category, brand) {
  WITH p, tag_nodes[0] AS first, tag_nodes[1] AS second
  MATCH (first)<-[:HAS_TAG]-(q:Product)
  WHERE q <> p AND (second IS NULL OR (q)-[:HAS_TAG]->(second))
  RETURN q LIMIT $scan
  UNION
  MATCH (category)<-[:IN_CATEGORY]-(q:Product)
  WHERE q <> p
  RETURN q LIMIT $scan
  UNION
  MATCH (brand)<-[:HAS_BRAND]-(q:Product)
  WHERE q <> p
  RETURN q LIMIT $scan
}
CALL (q, tag_nodes) {
  OPTIONAL MATCH (q)-[x:HAS_TAG]->(u:Tag)
  WHERE u IN tag_nodes AND x.status <> 'rejected'
  RETURN collect(u.id) AS shared
}
WITH q, shared, tag_nodes, tag_weights, category, brand, category_weight, brand_weight,
     category IS NOT NULL AND (q)-[:IN_CATEGORY]->(category) AS same_category,
     brand IS NOT NULL AND (q)-[:HAS_BRAND]->(brand) AS same_brand
WITH q, shared, category, brand, same_category, same_brand,
     reduce(total = 0.0, i IN range(0, size(tag_nodes) - 1) |
            total + CASE WHEN tag_nodes[i].id IN shared THEN tag_weights[i] ELSE 0.0 END)
     + CASE WHEN same_category THEN category_weight ELSE 0.0 END
     + CASE WHEN same_brand THEN brand_weight ELSE 0.0 END AS score
ORDER BY score DESC, q.id
LIMIT $k
RETURN q.id AS id, q.name AS name, score, shared AS shared_tags,
       CASE WHEN same_category THEN category.id END AS category_id,
       CASE WHEN same_brand THEN brand.id END AS brand_id

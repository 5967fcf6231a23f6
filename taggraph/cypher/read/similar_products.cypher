// Products like $product_id: found through its rarest tags (at most $scan products each, then
// its leaf category and brand), scored by what they share, rarer things counting more
// (1 / ln(2 + degree)). Rejected tag edges count for nothing.
MATCH (p:Product {id: $product_id})
OPTIONAL MATCH (p)-[r:HAS_TAG]->(t:Tag)
WHERE r.status <> 'rejected'
WITH p, t, COUNT { (t)<-[:HAS_TAG]-() } AS degree
ORDER BY degree, t.id
WITH p, [x IN collect({node: t, weight: 1.0 / log(2.0 + degree)}) WHERE x.node IS NOT NULL] AS tags
OPTIONAL MATCH (p)-[:IN_CATEGORY]->(category:Category)
OPTIONAL MATCH (p)-[:HAS_BRAND]->(brand:Brand)
CALL (p, tags, category, brand) {
  UNWIND tags[0..$seed_tags] AS seed
  WITH p, seed.node AS seed_tag
  CALL (p, seed_tag) {
    MATCH (seed_tag)<-[s:HAS_TAG]-(q:Product)
    WHERE q <> p AND s.status <> 'rejected'
    RETURN q LIMIT $scan
  }
  RETURN q
  UNION
  MATCH (category)<-[:IN_CATEGORY]-(q:Product)
  WHERE q <> p
  RETURN q LIMIT $scan
  UNION
  MATCH (brand)<-[:HAS_BRAND]-(q:Product)
  WHERE q <> p
  RETURN q LIMIT $scan
}
WITH DISTINCT p, tags, category, brand, q
CALL (q, tags) {
  OPTIONAL MATCH (q)-[x:HAS_TAG]->(u:Tag)
  WHERE x.status <> 'rejected' AND u IN [t IN tags | t.node]
  RETURN collect(u.id) AS shared
}
WITH q, shared, tags, category, brand,
     category IS NOT NULL AND (q)-[:IN_CATEGORY]->(category) AS same_category,
     brand IS NOT NULL AND (q)-[:HAS_BRAND]->(brand) AS same_brand
WITH q, shared, category, brand, same_category, same_brand,
     reduce(total = 0.0, t IN tags | total + CASE WHEN t.node.id IN shared THEN t.weight ELSE 0.0 END)
     + CASE WHEN same_category THEN 1.0 / log(2.0 + COUNT { (category)<-[:IN_CATEGORY]-() }) ELSE 0.0 END
     + CASE WHEN same_brand THEN 1.0 / log(2.0 + COUNT { (brand)<-[:HAS_BRAND]-() }) ELSE 0.0 END AS score
ORDER BY score DESC, q.id
LIMIT $k
RETURN q.id AS id, q.name AS name, score, shared AS shared_tags,
       CASE WHEN same_category THEN category.id END AS category_id,
       CASE WHEN same_brand THEN brand.id END AS brand_id

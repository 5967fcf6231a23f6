// Products that carry the most of $tags ([{id, weight}]; a rarer tag counts more, its weight
// divided by ln(2 + degree)), found through the rarest $seed_tags of them (at most $scan
// products each), within the filters and without $exclude. Rejected edges count for nothing.
UNWIND $tags AS wanted
MATCH (t:Tag {id: wanted.id})
WITH t, wanted, COUNT { (t)<-[:HAS_TAG]-() } AS degree
ORDER BY degree, t.id
WITH collect({node: t, weight: wanted.weight / log(2.0 + degree)}) AS tags
CALL (tags) {
  UNWIND tags[0..$seed_tags] AS seed
  WITH seed.node AS seed_tag
  CALL (seed_tag) {
    MATCH (seed_tag)<-[s:HAS_TAG]-(q:Product)
    WHERE s.status <> 'rejected' AND NOT q.id IN $exclude
      AND ($min_price IS NULL OR q.price >= $min_price)
      AND ($max_price IS NULL OR q.price <= $max_price)
      AND ($brand_id IS NULL OR EXISTS { (q)-[:HAS_BRAND]->(:Brand {id: $brand_id}) })
      AND ($category_id IS NULL OR EXISTS {
            (q)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category_id}) })
    RETURN q LIMIT $scan
  }
  RETURN DISTINCT q
}
CALL (q, tags) {
  OPTIONAL MATCH (q)-[x:HAS_TAG]->(u:Tag)
  WHERE x.status <> 'rejected' AND u IN [t IN tags | t.node]
  RETURN collect(u.id) AS shared
}
WITH q, shared,
     reduce(total = 0.0, t IN tags | total + CASE WHEN t.node.id IN shared THEN t.weight ELSE 0.0 END) AS score
ORDER BY score DESC, q.id
LIMIT $k
RETURN q.id AS id, q.name AS name, q.price AS price, score, shared AS shared_tags

// Products the users of the seed products also interacted with, counted by distinct user
// (at most $scan users per seed), within the filters and without $exclude.
UNWIND $seed_ids AS seed_id
MATCH (seed:Product {id: seed_id})
CALL (seed) {
  MATCH (seed)<-[:INTERACTED]-(u:User)
  RETURN DISTINCT u LIMIT $scan
}
MATCH (u)-[:INTERACTED]->(q:Product)
WHERE NOT q.id IN $exclude
  AND ($min_price IS NULL OR q.price >= $min_price)
  AND ($max_price IS NULL OR q.price <= $max_price)
  AND ($brand_id IS NULL OR EXISTS { (q)-[:HAS_BRAND]->(:Brand {id: $brand_id}) })
  AND ($category_id IS NULL OR EXISTS {
        (q)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category_id}) })
WITH q, count(DISTINCT u) AS users, collect(DISTINCT seed.id) AS seeds
ORDER BY users DESC, q.id
LIMIT $k
RETURN q.id AS id, q.name AS name, q.price AS price, toFloat(users) AS score, seeds[0] AS seed

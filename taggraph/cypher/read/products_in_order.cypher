// The products of $ids (best first) that pass the filters, with name and price, in that order;
// at most $k of them.
UNWIND range(0, size($ids) - 1) AS position
MATCH (q:Product {id: $ids[position]})
WHERE ($min_price IS NULL OR q.price >= $min_price)
  AND ($max_price IS NULL OR q.price <= $max_price)
  AND ($brand_id IS NULL OR EXISTS { (q)-[:HAS_BRAND]->(:Brand {id: $brand_id}) })
  AND ($category_id IS NULL OR EXISTS {
        (q)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category_id}) })
RETURN q.id AS id, q.name AS name, q.price AS price
ORDER BY position
LIMIT $k

// One page of the products that carry an embedding (`taggraph embed`), in id order.
MATCH (p:Product)
WHERE p.id > $after AND p.embedding IS NOT NULL
RETURN p.id AS id, p.embedding AS embedding, p.embedding_run AS run
ORDER BY id
LIMIT $limit

// One page of the tags that carry an embedding (`taggraph embed`), in id order.
MATCH (t:Tag)
WHERE t.id > $after AND t.embedding IS NOT NULL
RETURN t.id AS id, t.embedding AS embedding, t.embedding_run AS run
ORDER BY id
LIMIT $limit

// Nearest products to $product_id by GNN embedding (cosine), through the vector index.
MATCH (p:Product {id: $product_id})
WHERE p.embedding IS NOT NULL
CALL db.index.vector.queryNodes('product_embedding', $k + 1, p.embedding) YIELD node, score
WITH p, node, score
WHERE node <> p
RETURN node.id AS id, node.name AS name, score
ORDER BY score DESC, id
LIMIT $k

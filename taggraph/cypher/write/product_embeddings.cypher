// GNN embeddings of a batch of products, with the run that made them.
UNWIND $rows AS row
MATCH (n:Product {id: row.id})
SET n.embedding = row.embedding, n.embedding_run = $run
RETURN count(n) AS written

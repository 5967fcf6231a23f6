// GNN embeddings of a batch of tags, with the run that made them.
UNWIND $rows AS row
MATCH (n:Tag {id: row.id})
SET n.embedding = row.embedding, n.embedding_run = $run
RETURN count(n) AS written

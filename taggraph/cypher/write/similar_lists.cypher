// Precomputed similar products of a batch of products, as JSON, with the run that made them.
UNWIND $rows AS row
MATCH (p:Product {id: row.id})
SET p.similar = row.similar, p.similar_k = $k, p.similar_run = $run
RETURN count(p) AS written

// Cosine vector index over product embeddings, for nearest-neighbour queries.
CREATE VECTOR INDEX product_embedding IF NOT EXISTS
FOR (n:Product) ON n.embedding
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}

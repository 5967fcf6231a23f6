// Cosine vector index over tag embeddings, for nearest-neighbour queries.
CREATE VECTOR INDEX tag_embedding IF NOT EXISTS
FOR (n:Tag) ON n.embedding
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}

"""GNN jobs: graph tensors from a snapshot, training and refinement of tag scores, embeddings."""

"""FAISS index over graph entities and the linking decision; may import ``encoders`` only."""

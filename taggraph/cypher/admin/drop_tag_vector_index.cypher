// Drop the tag embedding index (before embeddings of another width are written).
DROP INDEX tag_embedding IF EXISTS

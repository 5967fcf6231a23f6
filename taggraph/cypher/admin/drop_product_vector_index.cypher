// Drop the product embedding index (before embeddings of another width are written).
DROP INDEX product_embedding IF EXISTS

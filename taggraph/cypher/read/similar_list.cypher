// A product's precomputed similar products (JSON written by `taggraph similar`), if any.
MATCH (p:Product {id: $product_id})
RETURN p.similar AS similar, p.similar_k AS k

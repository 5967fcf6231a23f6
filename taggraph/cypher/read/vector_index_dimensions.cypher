// Width of each embedding index that exists.
SHOW VECTOR INDEXES YIELD name, options
WHERE name IN ['product_embedding', 'tag_embedding']
RETURN name, options.indexConfig['vector.dimensions'] AS dimensions

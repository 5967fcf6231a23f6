// Jobs read one source's products at a time.
CREATE INDEX product_source IF NOT EXISTS FOR (n:Product) ON (n.source)

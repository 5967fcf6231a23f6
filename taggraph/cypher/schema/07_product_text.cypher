// Full-text search over product names and descriptions.
CREATE FULLTEXT INDEX product_text IF NOT EXISTS FOR (n:Product) ON EACH [n.name, n.description]

// A product's decision history.
CREATE INDEX decision_product IF NOT EXISTS FOR (n:Decision) ON (n.product_id)

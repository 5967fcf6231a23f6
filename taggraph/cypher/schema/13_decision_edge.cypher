// A decision on a product's tag finds the edge's earlier decision by the edge's key.
CREATE INDEX decision_edge IF NOT EXISTS FOR (n:Decision) ON (n.edge)

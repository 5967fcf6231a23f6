// Every node with its labels and properties (a whole-graph comparison; small graphs only).
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS properties

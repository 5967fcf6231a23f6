// Every relationship with its type, the ids of its ends and its properties (small graphs only).
MATCH (start)-[r]->(end)
RETURN type(r) AS type, start.id AS start, end.id AS end, properties(r) AS properties

// Active tag entities of the given kinds, for mapping a model's labels to graph ids.
MATCH (t:Tag)
WHERE t.kind IN $kinds AND t.status = 'active'
RETURN t.id AS id, t.kind AS kind, t.name AS name

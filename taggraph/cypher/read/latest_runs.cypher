// The newest finished run of each of the given kinds, by when it was last updated.
MATCH (m:ModelRun)
WHERE m.kind IN $kinds AND m.status = 'finished'
WITH m.kind AS kind, max(m.updated_at) AS updated_at
RETURN kind, toString(updated_at) AS updated_at
ORDER BY kind

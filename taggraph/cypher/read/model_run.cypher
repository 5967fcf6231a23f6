// One recorded run.
MATCH (m:ModelRun {id: $id})
RETURN m.id AS id, m.kind AS kind, m.started_at AS started_at, m.status AS status

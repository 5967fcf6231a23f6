// A training or tagging run, with what it used and what it measured. A resumed run
// updates its node; started_at is set once.
MERGE (m:ModelRun {id: $id})
ON CREATE SET m.started_at = datetime()
SET m += $properties, m.updated_at = datetime()

// Tag entities of the shared vocabulary; an existing tag keeps its name and status.
UNWIND $rows AS row
MERGE (t:Tag {id: row.id})
ON CREATE SET t.name = row.name, t.kind = row.kind, t.status = 'active'

// Tag entities of the shared vocabulary; an existing tag keeps its name and status. A row's
// description, when it has one, replaces the stored one.
UNWIND $rows AS row
MERGE (t:Tag {id: row.id})
ON CREATE SET t.name = row.name, t.kind = row.kind, t.status = 'active'
SET t.description = coalesce(row.description, t.description)

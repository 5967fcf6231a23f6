// Brand entities; an existing brand keeps its name.
UNWIND $rows AS row
MERGE (b:Brand {id: row.id})
ON CREATE SET b.name = row.name

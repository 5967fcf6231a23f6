// The given products of a source with the text they are scored from (no labels, for tagging).
UNWIND $ids AS id
MATCH (p:Product {id: id})
WHERE p.source = $source
RETURN p.id AS id, p.name AS name, p.description AS description
ORDER BY id

// Which of the given ids are products of the given source.
UNWIND $ids AS id
MATCH (p:Product {id: id})
WHERE p.source = $source
RETURN p.id AS id

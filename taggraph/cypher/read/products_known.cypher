// Which of the given ids are products of the graph.
UNWIND $ids AS id
MATCH (p:Product {id: id})
RETURN p.id AS id

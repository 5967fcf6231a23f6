// One page of categories in id order with their parent, for exports.
MATCH (n:Category)
WHERE n.id > $after
OPTIONAL MATCH (n)-[:SUBCATEGORY_OF]->(parent:Category)
RETURN n.id AS id, n.name AS name, n.level AS level, parent.id AS parent
ORDER BY id
LIMIT $limit

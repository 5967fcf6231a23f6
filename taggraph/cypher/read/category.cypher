// A category by id (whether it exists).
MATCH (c:Category {id: $category_id})
RETURN c.id AS id, c.name AS name

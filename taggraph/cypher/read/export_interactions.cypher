// The interactions of a chunk of (pseudonymous) users with every property they hold, in
// sequence order.
UNWIND $ids AS id
MATCH (u:User {id: id})-[r:INTERACTED]->(p:Product)
RETURN u.id AS user, p.id AS product, properties(r) AS properties
ORDER BY user, r.ts, product

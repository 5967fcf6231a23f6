// The interactions of a chunk of (pseudonymous) users, in sequence order.
UNWIND $ids AS id
MATCH (u:User {id: id})-[r:INTERACTED]->(p:Product)
RETURN u.id AS user, p.id AS product, r.ts AS ts, coalesce(r.weight, 1.0) AS weight
ORDER BY user, ts, product

// The products a (pseudonymous) user interacted with, most recent first.
MATCH (:User {id: $user_id})-[r:INTERACTED]->(p:Product)
WITH p, max(r.ts) AS last
RETURN p.id AS id
ORDER BY last DESC, id
LIMIT $limit

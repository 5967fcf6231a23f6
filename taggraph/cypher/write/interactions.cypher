// User interactions, one edge per (user, product, ts); users carry only a pseudonymous id.
UNWIND $rows AS row
MERGE (u:User {id: row.user_id})
MERGE (p:Product {id: row.product_id})
ON CREATE SET p.source = row.source
MERGE (u)-[r:INTERACTED {ts: row.ts}]->(p)
SET r.kind = row.kind, r.weight = row.weight

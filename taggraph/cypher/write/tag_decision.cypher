// A person's decision on a product's tag: a human fact that no model run or catalog
// re-ingest changes afterwards. Returns the decisions that found their product and tag.
UNWIND $rows AS row
MATCH (p:Product {id: row.product_id})
MATCH (t:Tag {id: row.tag_id})
MERGE (p)-[r:HAS_TAG]->(t)
SET r.source = 'human', r.status = row.status, r.reviewer = row.reviewer,
    r.updated_at = datetime()
RETURN p.id AS product_id, t.id AS tag_id

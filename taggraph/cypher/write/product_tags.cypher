// Catalog tags of products. A model's proposed edge that the catalog confirms becomes a
// catalog fact; an edge a person approved or rejected is never changed here.
UNWIND $rows AS row
MATCH (p:Product {id: row.product_id})
MATCH (t:Tag {id: row.tag_id})
MERGE (p)-[r:HAS_TAG]->(t)
ON CREATE SET r.source = 'catalog', r.status = 'approved', r.score = 1.0,
              r.updated_at = datetime()
ON MATCH SET r += CASE WHEN r.status = 'proposed'
                  THEN {source: 'catalog', status: 'approved', score: 1.0, updated_at: datetime()}
                  ELSE {} END

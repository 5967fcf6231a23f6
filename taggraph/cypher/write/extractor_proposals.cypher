// One page of a linking run: each product's earlier proposals from $source (to tags and
// brands) are replaced by the new ones. An edge that is already there (a catalog fact, a
// person's approval or rejection, another source's proposal) is left exactly as it is. A tag
// proposal keeps the linker's other nearest entities, for the reviewer.
UNWIND $rows AS row
MATCH (p:Product {id: row.product_id})
CALL (p) {
  OPTIONAL MATCH (p)-[old:HAS_TAG|HAS_BRAND {source: $source, status: 'proposed'}]->()
  DELETE old
}
CALL (p, row) {
  UNWIND row.tags AS proposal
  MATCH (t:Tag {id: proposal.entity_id})
  MERGE (p)-[r:HAS_TAG]->(t)
  ON CREATE SET r.source = $source, r.status = 'proposed', r.score = proposal.score,
                r.link_score = proposal.link_score, r.surface = proposal.surface,
                r.nearest_ids = proposal.nearest_ids, r.nearest_scores = proposal.nearest_scores,
                r.model = proposal.model, r.run = $run, r.updated_at = datetime()
  RETURN sum(CASE WHEN r.source = $source AND r.status = 'proposed' THEN 1 ELSE 0 END) AS tags
}
CALL (p, row) {
  UNWIND row.brands AS proposal
  MATCH (b:Brand {id: proposal.entity_id})
  MERGE (p)-[r:HAS_BRAND]->(b)
  ON CREATE SET r.source = $source, r.status = 'proposed', r.score = proposal.score,
                r.link_score = proposal.link_score, r.surface = proposal.surface,
                r.model = proposal.model, r.run = $run, r.updated_at = datetime()
  RETURN sum(CASE WHEN r.source = $source AND r.status = 'proposed' THEN 1 ELSE 0 END) AS brands
}
RETURN sum(tags) AS tags, sum(brands) AS brands

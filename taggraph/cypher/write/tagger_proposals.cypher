// A tagging run's proposals for one page of products. Each product's earlier proposals
// from the same source are replaced; an edge a catalog or a person decided (approved or
// rejected), or that another source proposed, is left exactly as it is. A fused proposal
// keeps its parts: the text tagger's and the graph model's probabilities.
UNWIND $rows AS row
MATCH (p:Product {id: row.product_id})
CALL (p) {
  OPTIONAL MATCH (p)-[old:HAS_TAG {source: $source, status: 'proposed'}]->(:Tag)
  DELETE old
}
CALL (p, row) {
  UNWIND row.tags AS proposal
  MATCH (t:Tag {id: proposal.tag_id})
  MERGE (p)-[r:HAS_TAG]->(t)
  ON CREATE SET r.source = $source, r.status = 'proposed', r.score = proposal.score,
                r.text_score = proposal.text_score, r.graph_score = proposal.graph_score,
                r.model = $model, r.updated_at = datetime()
  RETURN sum(CASE WHEN r.source = $source AND r.status = 'proposed' THEN 1 ELSE 0 END) AS proposed
}
RETURN sum(proposed) AS proposed

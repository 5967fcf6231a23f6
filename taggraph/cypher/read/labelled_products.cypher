// The given products of a source with the facts a tagger learns from: catalog tags (positives)
// and, when $reviewed, the tags a person approved (positives) or rejected (negatives); the
// category path (root first) and the brand (a catalog or approved one; a product has one row
// however many brands models propose for it). Model proposals are not read.
UNWIND $ids AS id
MATCH (p:Product {id: id})
WHERE p.source = $source
CALL (p) {
  OPTIONAL MATCH (p)-[r:HAS_TAG]->(t:Tag)
  WHERE t.status = 'active'
    AND ((r.source <> 'human' AND r.status = 'approved')
         OR ($reviewed AND r.source = 'human' AND r.status IN ['approved', 'rejected']))
  RETURN collect({kind: t.kind, name: t.name, status: r.status}) AS tags
}
CALL (p) {
  OPTIONAL MATCH (p)-[:IN_CATEGORY]->(leaf:Category)
  OPTIONAL MATCH path = (leaf)-[:SUBCATEGORY_OF*0..]->(root:Category)
  WHERE NOT (root)-[:SUBCATEGORY_OF]->()
  RETURN [c IN reverse(nodes(path)) | c.name] AS category_path
}
CALL (p) {
  OPTIONAL MATCH (p)-[r:HAS_BRAND]->(b:Brand)
  WHERE coalesce(r.status, 'approved') = 'approved'
  RETURN b.name AS brand
  ORDER BY b.id
  LIMIT 1
}
RETURN p.id AS id, p.name AS name, p.description AS description, tags, category_path, brand
ORDER BY id

// The given products of a source with the facts a tagger learns from: tags a catalog or a
// person approved (positives) or a person rejected (negatives), the category path (root
// first) and the brand. Model proposals are not read.
UNWIND $ids AS id
MATCH (p:Product {id: id})
WHERE p.source = $source
CALL (p) {
  OPTIONAL MATCH (p)-[r:HAS_TAG]->(t:Tag)
  WHERE r.status IN ['approved', 'rejected'] AND t.status = 'active'
  RETURN collect({kind: t.kind, name: t.name, status: r.status}) AS tags
}
CALL (p) {
  OPTIONAL MATCH (p)-[:IN_CATEGORY]->(leaf:Category)
  OPTIONAL MATCH path = (leaf)-[:SUBCATEGORY_OF*0..]->(root:Category)
  WHERE NOT (root)-[:SUBCATEGORY_OF]->()
  RETURN [c IN reverse(nodes(path)) | c.name] AS category_path
}
OPTIONAL MATCH (p)-[:HAS_BRAND]->(b:Brand)
RETURN p.id AS id, p.name AS name, p.description AS description, tags, category_path,
       b.name AS brand
ORDER BY id

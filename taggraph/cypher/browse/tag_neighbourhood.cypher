// A tag's neighbourhood: the tags, categories and brands its products most often carry with it.
// @param tag_id string  Tag id, such as tag:colour:navy-blue.
// @param limit int = 10  Most neighbours of each kind.
MATCH (t:Tag {id: $tag_id})
CALL (t) {
  MATCH (t)<-[r:HAS_TAG]-(p:Product)-[s:HAS_TAG]->(other:Tag)
  WHERE r.status <> 'rejected' AND s.status <> 'rejected' AND other <> t
  WITH 'tag:' + other.kind AS relation, other.id AS neighbour_id, other.name AS neighbour,
       count(DISTINCT p) AS products
  ORDER BY products DESC, neighbour_id
  RETURN relation, neighbour_id, neighbour, products
  UNION ALL
  MATCH (t)<-[r:HAS_TAG]-(p:Product)-[:IN_CATEGORY]->(c:Category)
  WHERE r.status <> 'rejected'
  WITH 'category' AS relation, c.id AS neighbour_id, c.name AS neighbour, count(p) AS products
  ORDER BY products DESC, neighbour_id
  RETURN relation, neighbour_id, neighbour, products
  UNION ALL
  MATCH (t)<-[r:HAS_TAG]-(p:Product)-[:HAS_BRAND]->(b:Brand)
  WHERE r.status <> 'rejected'
  WITH 'brand' AS relation, b.id AS neighbour_id, b.name AS neighbour, count(DISTINCT p) AS products
  ORDER BY products DESC, neighbour_id
  RETURN relation, neighbour_id, neighbour, products
}
WITH t, relation, collect({id: neighbour_id, name: neighbour, products: products})[..toInteger($limit)] AS top
UNWIND top AS n
RETURN t.id AS tag_id, relation, n.id AS neighbour_id, n.name AS neighbour, n.products AS products
ORDER BY relation, products DESC, neighbour_id

// What changes when the graph does, cheaply: node and relationship counts (from the count
// store) and the newest tag edge change (from the has_tag_updated_at index).
CALL () { MATCH (n:Product) RETURN count(n) AS products }
CALL () { MATCH (n:Tag) RETURN count(n) AS tags }
CALL () { MATCH (n:User) RETURN count(n) AS users }
CALL () { MATCH ()-[r:HAS_TAG]->() RETURN count(r) AS tag_edges }
CALL () { MATCH ()-[r:HAS_BRAND]->() RETURN count(r) AS brand_edges }
CALL () { MATCH ()-[r:IN_CATEGORY]->() RETURN count(r) AS category_edges }
CALL () { MATCH ()-[r:INTERACTED]->() RETURN count(r) AS interactions }
CALL () {
  OPTIONAL MATCH ()-[r:HAS_TAG]->()
  WHERE r.updated_at IS NOT NULL
  WITH r ORDER BY r.updated_at DESC LIMIT 1
  RETURN toString(r.updated_at) AS tag_changed_at
}
RETURN products, tags, users, tag_edges, brand_edges, category_edges, interactions, tag_changed_at

// Products with no tag (or none of a kind) that is not rejected: where the taggers have nothing yet.
// @param source string = null  Only this catalog source; all when null.
// @param kind string = null  Products without a tag of this kind; without any tag when null.
// @param limit int = 50  Most rows.
MATCH (p:Product)
WHERE ($source IS NULL OR p.source = $source)
  AND NOT EXISTS {
    MATCH (p)-[r:HAS_TAG]->(t:Tag)
    WHERE r.status <> 'rejected' AND ($kind IS NULL OR t.kind = $kind)
  }
OPTIONAL MATCH (p)-[:IN_CATEGORY]->(c:Category)
RETURN p.id AS product_id, p.name AS product, p.source AS source, c.name AS category
ORDER BY product_id
LIMIT toInteger($limit)

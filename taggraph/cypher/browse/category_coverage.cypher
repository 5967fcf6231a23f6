// The category tree, each category with the products under it and how many carry a tag of a kind.
// @param source string = null  Only this catalog source (myntra, flipkart, ...); all when null.
// @param kind string = null  Coverage by tags of this kind; by any tag when null.
// @param max_level int = 2  Deepest category level shown (1 is the root).
// @param limit int = 100  Most categories.
MATCH chain = (c:Category)-[:SUBCATEGORY_OF*0..]->(root:Category)
WHERE NOT (root)-[:SUBCATEGORY_OF]->() AND c.level <= $max_level
  AND ($source IS NULL OR c.source = $source)
WITH c, reduce(s = '', n IN reverse(nodes(chain)) |
                s + CASE s WHEN '' THEN '' ELSE ' > ' END + n.name) AS path
ORDER BY c.source, path
LIMIT toInteger($limit)
CALL (c) {
  MATCH (c)<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(p:Product)
  WITH DISTINCT p
  RETURN count(p) AS products,
         count(CASE WHEN EXISTS {
           MATCH (p)-[r:HAS_TAG]->(t:Tag)
           WHERE r.status <> 'rejected' AND ($kind IS NULL OR t.kind = $kind)
         } THEN p END) AS tagged
}
RETURN c.id AS category_id, c.level AS level, path, products, tagged,
       CASE products WHEN 0 THEN null ELSE round(100.0 * tagged / products, 1) END AS coverage_pct
ORDER BY c.source, path

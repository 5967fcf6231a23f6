// Every linkable entity: active tags (with their aliases), brands and leaf-to-root category
// names, for the linker's index.
CALL () {
  MATCH (t:Tag) WHERE t.status = 'active'
  RETURN t.id AS id, t.kind AS kind, t.name AS name, coalesce(t.aliases, []) AS aliases,
         coalesce(t.description, '') AS description
  UNION ALL
  MATCH (b:Brand)
  RETURN b.id AS id, 'brand' AS kind, b.name AS name, coalesce(b.aliases, []) AS aliases,
         '' AS description
  UNION ALL
  MATCH (c:Category)
  RETURN c.id AS id, 'category' AS kind, c.name AS name, coalesce(c.aliases, []) AS aliases,
         '' AS description
}
RETURN id, kind, name, aliases, description
ORDER BY id

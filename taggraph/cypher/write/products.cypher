// Product nodes and their properties. text_changed_at moves only when the name or the
// description changes, so a tagging run can take just the products changed since another.
UNWIND $rows AS row
MERGE (p:Product {id: row.id})
WITH p, row, [coalesce(p.name, ''), coalesce(p.description, '')] AS before
SET p += row.props
SET p.text_changed_at = CASE
  WHEN p.text_changed_at IS NULL
    OR before <> [coalesce(p.name, ''), coalesce(p.description, '')]
  THEN datetime() ELSE p.text_changed_at END

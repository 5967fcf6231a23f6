// One page of a source's product ids, in id order, after $after. $since (a datetime or
// null) keeps only products whose text changed after it.
MATCH (p:Product)
WHERE p.source = $source AND p.id > $after
  AND ($since IS NULL OR p.text_changed_at > $since)
RETURN p.id AS id
ORDER BY id
LIMIT $limit

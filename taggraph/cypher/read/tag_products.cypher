// One page of a tag's products (ids after $after, in id order) with the edge's provenance.
MATCH (t:Tag {id: $tag_id})<-[r:HAS_TAG]-(p:Product)
WHERE r.status IN $statuses AND p.id > $after
RETURN p.id AS id, p.name AS name, r.source AS source, r.status AS status, r.score AS score
ORDER BY id
LIMIT $limit

// The tags of the seed products, each with how many seeds carry it and the first such seed
// (for the path of a recommendation's reason). Rejected edges are not tags.
UNWIND $seed_ids AS seed_id
MATCH (p:Product {id: seed_id})-[r:HAS_TAG]->(t:Tag)
WHERE r.status <> 'rejected'
WITH t, collect(p.id) AS seeds
RETURN t.id AS id, t.name AS name, size(seeds) AS seeds, seeds[0] AS seed
ORDER BY id

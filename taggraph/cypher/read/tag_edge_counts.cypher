// HAS_TAG edges counted by source and status.
MATCH ()-[r:HAS_TAG]->()
RETURN r.source AS source, r.status AS status, count(*) AS count
ORDER BY source, status

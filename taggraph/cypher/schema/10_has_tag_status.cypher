// The review queue finds proposed edges by status.
CREATE INDEX has_tag_status IF NOT EXISTS FOR ()-[r:HAS_TAG]-() ON (r.status)

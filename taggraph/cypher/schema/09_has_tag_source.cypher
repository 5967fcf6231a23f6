// Model runs replace their own proposed edges: find them by source and status.
CREATE INDEX has_tag_source_status IF NOT EXISTS FOR ()-[r:HAS_TAG]-() ON (r.source, r.status)

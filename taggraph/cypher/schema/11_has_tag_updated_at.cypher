// The serving index notices a changed tag edge by the newest edge change.
CREATE INDEX has_tag_updated_at IF NOT EXISTS FOR ()-[r:HAS_TAG]-() ON (r.updated_at)

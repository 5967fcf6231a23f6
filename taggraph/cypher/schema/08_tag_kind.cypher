// Tags are looked up by kind (the tagger's vocabulary, the linker's kind restriction).
CREATE INDEX tag_kind IF NOT EXISTS FOR (n:Tag) ON (n.kind)

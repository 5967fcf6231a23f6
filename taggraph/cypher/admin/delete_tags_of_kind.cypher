// Remove every tag of one kind with its edges (benchmarks that add a kind of their own).
MATCH (t:Tag {kind: $kind})
DETACH DELETE t

// The newest batch of a reviewer's decisions that still has a decision not undone.
MATCH (d:Decision {reviewer: $reviewer})
WHERE d.undone_at IS NULL
RETURN d.batch AS batch
ORDER BY d.at DESC
LIMIT 1

// Undo reads one batch of decisions.
CREATE INDEX decision_batch IF NOT EXISTS FOR (n:Decision) ON (n.batch)

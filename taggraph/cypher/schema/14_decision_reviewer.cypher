// A reviewer's history and undo read their decisions newest first.
CREATE INDEX decision_reviewer IF NOT EXISTS FOR (n:Decision) ON (n.reviewer, n.at)

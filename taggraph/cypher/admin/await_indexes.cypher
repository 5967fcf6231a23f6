// Wait until every index is online, so writes that follow use the uniqueness constraints.
CALL db.awaitIndexes(300)

// Delete every relationship, in committed chunks (used by `taggraph graph clear`).
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS

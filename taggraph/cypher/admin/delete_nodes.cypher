// Delete every node, in committed chunks, once relationships are gone.
MATCH (n)
CALL (n) { DELETE n } IN TRANSACTIONS OF 20000 ROWS

// Ids of users (pseudonymous), for checks and exports.
MATCH (u:User)
RETURN u.id AS id
ORDER BY id

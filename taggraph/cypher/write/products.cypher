// Product nodes and their properties.
UNWIND $rows AS row
MERGE (p:Product {id: row.id})
SET p += row.props

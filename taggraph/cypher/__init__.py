"""Every Cypher statement of taggraph, one per ``.cypher`` file, loaded by ``graph.cypher``."""

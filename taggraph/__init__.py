"""taggraph: product text to tags, kept in a Neo4j knowledge graph."""

__version__ = "0.1.0"

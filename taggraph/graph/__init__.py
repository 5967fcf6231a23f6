"""The Neo4j layer: settings, errors, connection, schema, batched writer, reader and server.

This package imports neither torch nor faiss nor any other package of taggraph.
"""

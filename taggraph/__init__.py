"""taggraph: product text to tags, kept in a Neo4j knowledge graph.

``taggraph.connect()`` opens the Python API (see docs/python-api.md); it is imported on first use,
so that importing a part of the package loads nothing else.
"""

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "connect":
        from taggraph.jobs.python_api import connect

        return connect
    raise AttributeError(f"module 'taggraph' has no attribute {name!r}")

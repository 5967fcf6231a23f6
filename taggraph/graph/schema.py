"""Applies ``cypher/schema/*.cypher``: constraints and indexes, idempotently."""

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.cypher import statement_names


def apply_schema(executor: GraphExecutor) -> list[str]:
    """Create every constraint and index of the graph model that does not exist yet.

    Each statement uses ``IF NOT EXISTS``, so applying twice changes nothing.

    Args:
        executor: Executor on the target database.

    Returns:
        The names of the statements applied, in order.

    """
    names = statement_names("schema")
    for name in names:
        executor.write(name)
    executor.write("admin/await_indexes")
    return names


def clear_graph(executor: GraphExecutor) -> None:
    """Delete every node and relationship of the database (the schema stays).

    Args:
        executor: Executor on the database to empty.

    """
    executor.write_in_chunks("admin/delete_relationships")
    executor.write_in_chunks("admin/delete_nodes")

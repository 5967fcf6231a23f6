"""The graph's linkable entities, read for the linker."""

from taggraph.graph.connection import GraphExecutor
from taggraph.linker.entities import Entity


def read_entities(executor: GraphExecutor) -> list[Entity]:
    """Active Tag nodes, Brand and Category nodes, with their aliases, in id order."""
    return [
        Entity(row["id"], row["kind"], row["name"] or "", tuple(row["aliases"]), row["description"])
        for row in executor.read("read/linker_entities")
        if row["name"]
    ]

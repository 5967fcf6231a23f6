"""Entities written to the graph as Tag nodes (for catalogs of named things, such as models)."""

from collections.abc import Sequence

from taggraph.graph.connection import GraphExecutor
from taggraph.linker.entities import Entity


def write_entities(executor: GraphExecutor, entities: Sequence[Entity], batch_size: int = 5000) -> None:
    """Create the entities as active Tag nodes of their kind, with their descriptions."""
    rows = [
        {"id": entity.id, "name": entity.name, "kind": entity.kind, "description": entity.description or None}
        for entity in entities
    ]
    for start in range(0, len(rows), batch_size):
        executor.write("write/tags", rows=rows[start : start + batch_size])

"""Read-side helpers over the executor: counts of the graph."""

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from neo4j.time import DateTime

from taggraph.graph.connection import GraphExecutor


@dataclass(frozen=True)
class GraphStats:
    """Node counts by label and relationship counts by type."""

    nodes: dict[str, int]
    relationships: dict[str, int]

    @property
    def node_total(self) -> int:
        """All nodes (a node with two labels counts once per label)."""
        return sum(self.nodes.values())

    @property
    def relationship_total(self) -> int:
        """All relationships."""
        return sum(self.relationships.values())


def graph_stats(executor: GraphExecutor) -> GraphStats:
    """Count nodes by label and relationships by type.

    Args:
        executor: Executor on the database to count.

    Returns:
        The counts, sorted by name.

    """
    labels = executor.read("read/label_counts")
    types = executor.read("read/relationship_type_counts")
    return GraphStats(
        nodes={row["label"]: row["count"] for row in labels},
        relationships={row["type"]: row["count"] for row in types},
    )


def embedding_counts(executor: GraphExecutor) -> dict[str, tuple[int, list[str]]]:
    """Nodes carrying a GNN embedding by label (``Product``, ``Tag``), with the runs that wrote them."""
    rows = executor.read("read/embedding_counts")
    return {row["label"]: (int(row["count"]), sorted(row["runs"])) for row in rows}


def product(executor: GraphExecutor, product_id: str) -> dict[str, Any] | None:
    """A product's properties, category path (root first) and brand, or None if unknown.

    Args:
        executor: Executor on the graph.
        product_id: Stable product id, such as ``myntra:15970``.

    """
    rows = executor.read("read/product", product_id=product_id)
    return rows[0] if rows else None


def tag_edge_counts(executor: GraphExecutor) -> dict[tuple[str, str], int]:
    """HAS_TAG edges counted by ``(source, status)``."""
    rows = executor.read("read/tag_edge_counts")
    return {(row["source"], row["status"]): int(row["count"]) for row in rows}


def product_tags(executor: GraphExecutor, product_id: str) -> list[dict[str, Any]]:
    """A product's tags with source, status, score, model and reviewer.

    Args:
        executor: Executor on the graph.
        product_id: Stable product id.

    """
    return executor.read("read/product_tags", product_id=product_id)


def graph_fingerprint(executor: GraphExecutor) -> tuple[Counter[str], Counter[str]]:
    """Every node and every relationship with its properties, as comparable text.

    Two graphs with equal fingerprints hold the same nodes (labels and properties) and the same
    relationships (type, the ids of both ends, properties). Times of day (``updated_at``,
    ``text_changed_at``) count by their presence, not their value. Reads the whole graph: for
    graphs of thousands of nodes, such as the demo's.

    Returns:
        Nodes and relationships, each as a count per canonical text.

    """
    nodes = Counter(
        json.dumps([sorted(row["labels"]), _canonical(row["properties"])])
        for row in executor.read("read/all_nodes")
    )
    relationships = Counter(
        json.dumps([row["type"], row["start"], row["end"], _canonical(row["properties"])])
        for row in executor.read("read/all_relationships")
    )
    return nodes, relationships


def _canonical(properties: dict[str, Any]) -> list[tuple[str, Any]]:
    def value(item: Any) -> Any:
        if isinstance(item, DateTime):
            return "<datetime>"
        if isinstance(item, float):
            return repr(item)
        if isinstance(item, list):
            return [value(element) for element in item]
        return item

    return sorted((key, value(item)) for key, item in properties.items())

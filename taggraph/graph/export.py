"""The graph read out of Neo4j page by page, with a stable integer index per node.

It is written as networkx or parquet here; PyG's ``HeteroData`` is built from it in ``jobs/gnn``.

Node indices are positions in id order within a node type, so the same graph always gives the
same mapping; ``ids[type][index]`` turns an index back into the graph id.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor

EdgeType = tuple[str, str, str]
NODE_STATEMENTS = {
    "product": "read/export_products",
    "tag": "read/export_tags",
    "category": "read/export_categories",
    "brand": "read/export_brands",
    "user": "read/export_users",
}
HAS_TAG: EdgeType = ("product", "has_tag", "tag")
IN_CATEGORY: EdgeType = ("product", "in_category", "category")
SUBCATEGORY_OF: EdgeType = ("category", "subcategory_of", "category")
HAS_BRAND: EdgeType = ("product", "has_brand", "brand")
INTERACTED: EdgeType = ("user", "interacted", "product")


@dataclass
class EdgeTable:
    """Edges of one type as index pairs, with their properties.

    Attributes:
        source: ``[E]`` int64 indices into the source node type.
        target: ``[E]`` int64 indices into the target node type.
        properties: Property name -> ``E`` values.

    """

    source: np.ndarray
    target: np.ndarray
    properties: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.source.shape[0])

    def subset(self, keep: np.ndarray) -> "EdgeTable":
        """The edges where ``keep`` (a boolean mask) is true, with their properties."""
        properties = {
            key: [v for v, kept in zip(values, keep, strict=True) if kept]
            for key, values in self.properties.items()
        }
        return EdgeTable(self.source[keep], self.target[keep], properties)

    @property
    def edge_index(self) -> np.ndarray:
        """``[2, E]`` int64, PyG's layout."""
        return np.stack([self.source, self.target]).astype(np.int64)


@dataclass
class GraphSnapshot:
    """Nodes and edges of the graph at one moment.

    Attributes:
        ids: Node type -> graph ids in index order.
        properties: Node type -> property name -> values in index order.
        edges: ``(source type, relation, target type)`` -> edges.

    """

    ids: dict[str, list[str]]
    properties: dict[str, dict[str, list[Any]]]
    edges: dict[EdgeType, EdgeTable]

    def index(self, node_type: str) -> dict[str, int]:
        """Graph id -> index, for one node type."""
        return {node_id: position for position, node_id in enumerate(self.ids[node_type])}

    def counts(self) -> dict[str, int]:
        """Nodes per type and edges per ``source__relation__target``."""
        nodes = {node_type: len(ids) for node_type, ids in self.ids.items()}
        edges = {"__".join(edge_type): len(table) for edge_type, table in self.edges.items()}
        return nodes | edges


def _pages(
    executor: GraphExecutor, name: str, page_size: int, **parameters: Any
) -> Iterator[list[dict[str, Any]]]:
    after = ""
    while True:
        rows = executor.read(name, after=after, limit=page_size, **parameters)
        if not rows:
            return
        yield rows
        after = rows[-1]["id"]


def _chunks(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def read_snapshot(
    executor: GraphExecutor, sources: Sequence[str] | None = None, page_size: int = 10_000
) -> GraphSnapshot:
    """Read products (of ``sources``, or all), tags, categories, brands, users and their edges.

    Args:
        executor: The graph.
        sources: Product sources to keep (``myntra``...); interactions with other products drop.
        page_size: Nodes per read.

    Returns:
        The snapshot; edge properties: has_tag ``source``, ``status``, ``score``; has_brand
        ``status``, ``score``; interacted ``ts``, ``weight``.

    Raises:
        InputError: If the graph holds no product of ``sources``.

    """
    wanted = list(sources) if sources else None
    ids: dict[str, list[str]] = {}
    properties: dict[str, dict[str, list[Any]]] = {}
    for node_type, statement in NODE_STATEMENTS.items():
        extra = {"sources": wanted} if node_type == "product" else {}
        rows = [row for page in _pages(executor, statement, page_size, **extra) for row in page]
        ids[node_type] = [row["id"] for row in rows]
        names = [key for key in rows[0] if key != "id"] if rows else []
        properties[node_type] = {key: [row[key] for row in rows] for key in names}
    if not ids["product"]:
        raise InputError(f"the graph holds no product{' of ' + ', '.join(wanted) if wanted else ''}")
    snapshot = GraphSnapshot(ids, properties, {})
    index = {node_type: snapshot.index(node_type) for node_type in ids}
    pairs: dict[EdgeType, tuple[list[int], list[int], dict[str, list[Any]]]] = {
        edge_type: ([], [], {}) for edge_type in (HAS_TAG, IN_CATEGORY, SUBCATEGORY_OF, HAS_BRAND, INTERACTED)
    }

    def add(edge_type: EdgeType, start: int, end: int, **values: Any) -> None:
        starts, ends, props = pairs[edge_type]
        starts.append(start)
        ends.append(end)
        for key, value in values.items():
            props.setdefault(key, []).append(value)

    for chunk in _chunks(ids["product"], page_size):
        for row in executor.read("read/export_product_edges", ids=chunk):
            product = index["product"][row["id"]]
            for tag in row["tags"]:
                add(
                    HAS_TAG,
                    product,
                    index["tag"][tag["id"]],
                    source=tag["source"],
                    status=tag["status"],
                    score=tag["score"],
                )
            for category in row["categories"]:
                add(IN_CATEGORY, product, index["category"][category])
            for brand in row["brands"]:
                add(
                    HAS_BRAND,
                    product,
                    index["brand"][brand["id"]],
                    status=brand["status"],
                    score=brand["score"],
                )
    for position, parent in enumerate(properties["category"].get("parent", [])):
        if parent is not None:
            add(SUBCATEGORY_OF, position, index["category"][parent])
    for chunk in _chunks(ids["user"], page_size):
        for row in executor.read("read/export_interactions", ids=chunk):
            product = index["product"].get(row["product"])
            if product is not None:
                add(INTERACTED, index["user"][row["user"]], product, ts=row["ts"], weight=row["weight"])
    snapshot.edges = {
        edge_type: EdgeTable(np.asarray(s, dtype=np.int64), np.asarray(t, dtype=np.int64), props)
        for edge_type, (s, t, props) in pairs.items()
    }
    return snapshot


def to_networkx(snapshot: GraphSnapshot) -> Any:
    """The snapshot as a ``networkx.MultiDiGraph`` keyed by graph id.

    Nodes carry ``type`` and their properties, edges ``relation`` and theirs; absent values are
    left out.
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    for node_type, node_ids in snapshot.ids.items():
        columns = snapshot.properties[node_type]
        for position, node_id in enumerate(node_ids):
            values = {
                key: column[position] for key, column in columns.items() if column[position] is not None
            }
            graph.add_node(node_id, type=node_type, **values)
    for (source_type, relation, target_type), table in snapshot.edges.items():
        sources, targets = snapshot.ids[source_type], snapshot.ids[target_type]
        for position, (source, target) in enumerate(
            zip(table.source.tolist(), table.target.tolist(), strict=True)
        ):
            values = {
                key: column[position]
                for key, column in table.properties.items()
                if column[position] is not None
            }
            graph.add_edge(sources[source], targets[target], relation=relation, **values)
    return graph


def write_parquet(snapshot: GraphSnapshot, folder: Path) -> list[Path]:
    """Write ``nodes.parquet`` and ``edges.parquet`` into ``folder``.

    Nodes: type, index, id, name. Edges: source and target type, index and id, relation,
    status, score.

    Raises:
        InputError: If the folder cannot be written.

    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    node_rows: dict[str, list[Any]] = {"type": [], "index": [], "id": [], "name": []}
    for node_type, node_ids in snapshot.ids.items():
        names = snapshot.properties[node_type].get("name", [None] * len(node_ids))
        node_rows["type"] += [node_type] * len(node_ids)
        node_rows["index"] += list(range(len(node_ids)))
        node_rows["id"] += node_ids
        node_rows["name"] += names
    edge_rows: dict[str, list[Any]] = {
        key: []
        for key in (
            "source_type",
            "source_index",
            "source_id",
            "relation",
            "target_type",
            "target_index",
            "target_id",
            "status",
            "score",
        )
    }
    for (source_type, relation, target_type), table in snapshot.edges.items():
        count = len(table)
        sources, targets = table.source.tolist(), table.target.tolist()
        edge_rows["source_type"] += [source_type] * count
        edge_rows["source_index"] += sources
        edge_rows["source_id"] += [snapshot.ids[source_type][i] for i in sources]
        edge_rows["relation"] += [relation] * count
        edge_rows["target_type"] += [target_type] * count
        edge_rows["target_index"] += targets
        edge_rows["target_id"] += [snapshot.ids[target_type][i] for i in targets]
        edge_rows["status"] += table.properties.get("status", [None] * count)
        edge_rows["score"] += [
            None if s is None else float(s) for s in table.properties.get("score", [None] * count)
        ]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, rows in (("nodes", node_rows), ("edges", edge_rows)):
            path = folder / f"{name}.parquet"
            partial = folder / f".{name}.parquet.partial"
            pq.write_table(pa.table(rows), partial)
            partial.replace(path)
            written.append(path)
        return written
    except OSError as error:
        raise InputError(f"cannot write the export to {folder}: {error.strerror or error}") from error

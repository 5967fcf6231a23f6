"""The graph read out of Neo4j page by page, with a stable integer index per node.

It is written as networkx or parquet here; PyG's ``HeteroData`` is built from it in ``jobs/gnn``.

Node indices are positions in id order within a node type, so the same graph always gives the
same mapping; ``ids[type][index]`` turns an index back into the graph id.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
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
EDGE_COLUMNS: dict[EdgeType, tuple[str, ...]] = {
    HAS_TAG: ("source", "status", "score", "model", "updated_at"),
    IN_CATEGORY: (),
    SUBCATEGORY_OF: (),
    HAS_BRAND: ("status", "score"),
    INTERACTED: ("ts", "kind", "weight"),
}
"""Each edge type's property columns, present even when no edge holds them; a snapshot adds a
column for every other property an edge of the type holds."""
EDGE_ENDS = (
    "source_type",
    "source_index",
    "source_id",
    "relation",
    "target_type",
    "target_index",
    "target_id",
)
"""The columns of an exported edge that name its ends and relation; its properties follow."""


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
    executor: GraphExecutor,
    sources: Sequence[str] | None = None,
    page_size: int = 10_000,
    on_rows: Callable[[int], None] | None = None,
) -> GraphSnapshot:
    """Read products (of ``sources``, or all), tags, categories, brands, users and their edges.

    Args:
        executor: The graph.
        sources: Product sources to keep (``myntra``...); interactions with other products drop.
        page_size: Nodes per read.
        on_rows: Called with the number of nodes or edge rows each read returned.

    Returns:
        The snapshot; each edge type carries every property its edges hold in the graph, and at
        least the columns of :data:`EDGE_COLUMNS`.

    Raises:
        InputError: If the graph holds no product of ``sources``.

    """
    wanted = list(sources) if sources else None
    ids: dict[str, list[str]] = {}
    properties: dict[str, dict[str, list[Any]]] = {}
    for node_type, statement in NODE_STATEMENTS.items():
        extra = {"sources": wanted} if node_type == "product" else {}
        rows: list[dict[str, Any]] = []
        for page in _pages(executor, statement, page_size, **extra):
            rows += page
            _report(on_rows, len(page))
        ids[node_type] = [row["id"] for row in rows]
        names = [key for key in rows[0] if key != "id"] if rows else []
        properties[node_type] = {key: [row[key] for row in rows] for key in names}
    if not ids["product"]:
        raise InputError(f"the graph holds no product{' of ' + ', '.join(wanted) if wanted else ''}")
    snapshot = GraphSnapshot(ids, properties, {})
    index = {node_type: snapshot.index(node_type) for node_type in ids}
    edges = {edge_type: _EdgeRows(columns) for edge_type, columns in EDGE_COLUMNS.items()}
    for chunk in _chunks(ids["product"], page_size):
        rows = executor.read("read/export_product_edges", ids=chunk)
        _report(on_rows, len(rows))
        for row in rows:
            product = index["product"][row["id"]]
            for tag in row["tags"]:
                edges[HAS_TAG].add(product, index["tag"][tag["id"]], tag["properties"])
            for category in row["categories"]:
                edges[IN_CATEGORY].add(product, index["category"][category], {})
            for brand in row["brands"]:
                edges[HAS_BRAND].add(product, index["brand"][brand["id"]], brand["properties"])
    for position, parent in enumerate(properties["category"].get("parent", [])):
        if parent is not None:
            edges[SUBCATEGORY_OF].add(position, index["category"][parent], {})
    for chunk in _chunks(ids["user"], page_size):
        rows = executor.read("read/export_interactions", ids=chunk)
        _report(on_rows, len(rows))
        for row in rows:
            product = index["product"].get(row["product"])
            if product is not None:
                edges[INTERACTED].add(index["user"][row["user"]], product, row["properties"])
    snapshot.edges = {edge_type: rows.table() for edge_type, rows in edges.items()}
    return snapshot


def _report(on_rows: Callable[[int], None] | None, count: int) -> None:
    if on_rows is not None:
        on_rows(count)


class _EdgeRows:
    """Edges of one type as they are read: index pairs and a column per property.

    Args:
        columns: Columns every table of the type has.

    """

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.sources: list[int] = []
        self.targets: list[int] = []
        self.columns: dict[str, list[Any]] = {name: [] for name in columns}

    def add(self, source: int, target: int, properties: dict[str, Any]) -> None:
        """Append one edge; a property no earlier edge held gets a column, None for those edges."""
        for name in sorted(properties.keys() - self.columns.keys()):
            self.columns[name] = [None] * len(self.sources)
        for name, column in self.columns.items():
            column.append(_plain(properties.get(name)))
        self.sources.append(source)
        self.targets.append(target)

    def table(self) -> EdgeTable:
        """The edges read so far."""
        return EdgeTable(
            np.asarray(self.sources, dtype=np.int64), np.asarray(self.targets, dtype=np.int64), self.columns
        )


def _plain(value: Any) -> Any:
    """A property value as Python holds it: Neo4j's temporal types become ``datetime`` and kin."""
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def to_networkx(snapshot: GraphSnapshot, splits: Sequence[str] | None = None) -> Any:
    """The snapshot as a ``networkx.MultiDiGraph`` keyed by graph id.

    Nodes carry ``type`` and their properties (and products their ``split`` when ``splits``
    gives them in index order), edges ``relation`` and theirs; absent values are left out.
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    for node_type, node_ids in snapshot.ids.items():
        columns = dict(snapshot.properties[node_type])
        if splits is not None and node_type == "product":
            columns["split"] = list(splits)
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


def write_graphml(graph: Any, path: Path) -> Path:
    """Write a graph of :func:`to_networkx` as GraphML.

    GraphML holds only scalars: times become ISO 8601 text and lists JSON text.
    """
    import networkx as nx

    def scalar(value: Any) -> Any:
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        return json.dumps(value) if isinstance(value, list | dict) else value

    for _, values in graph.nodes(data=True):
        values.update({key: scalar(value) for key, value in values.items()})
    for _, _, values in graph.edges(data=True):
        values.update({key: scalar(value) for key, value in values.items()})
    nx.write_graphml(graph, path)
    return path


def edge_attributes(
    table: EdgeTable,
) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, list[str]]]]:
    """An edge table's properties as arrays, for tensor formats.

    Returns:
        Numeric columns (numbers, flags, and times as seconds since the epoch) as ``float64``
        with NaN where an edge lacks the value; text columns as ``int64`` codes into their
        sorted values, -1 where absent. Lists, and columns no edge holds, are left out.

    """
    numeric: dict[str, np.ndarray] = {}
    coded: dict[str, tuple[np.ndarray, list[str]]] = {}
    for name, column in table.properties.items():
        present = [value for value in column if value is not None]
        if not present:
            continue
        if all(isinstance(value, str) for value in present):
            values = sorted(set(present))
            code = {value: position for position, value in enumerate(values)}
            coded[name] = (np.array([code.get(value, -1) for value in column], dtype=np.int64), values)
        elif all(isinstance(value, int | float | datetime) for value in present):
            numeric[name] = np.array(
                [
                    np.nan if value is None else value.timestamp() if isinstance(value, datetime) else value
                    for value in column
                ],
                dtype=np.float64,
            )
    return numeric, coded


def to_arrow(snapshot: GraphSnapshot, splits: Sequence[str] | None = None) -> tuple[Any, Any]:
    """The snapshot as two Arrow tables, ``nodes`` and ``edges``.

    Nodes: type, index, id and a column per node property (and ``split`` for products when
    ``splits`` gives each product's split in index order). Edges: source and target type, index
    and id, relation and a column per edge property (the tag edges' provenance, the
    interactions' time, kind and weight); None where a row lacks the property.
    """
    import pyarrow as pa

    node_columns: dict[str, list[Any]] = {"type": [], "index": [], "id": []} | {
        name: [] for columns in snapshot.properties.values() for name in columns
    }
    if splits is not None:
        node_columns["split"] = []
    for node_type, node_ids in snapshot.ids.items():
        count = len(node_ids)
        fixed = {"type": [node_type] * count, "index": list(range(count)), "id": node_ids}
        if splits is not None and node_type == "product":
            fixed["split"] = list(splits)
        _extend(node_columns, count, fixed, snapshot.properties[node_type])
    properties = dict.fromkeys(name for table in snapshot.edges.values() for name in table.properties)
    edge_columns: dict[str, list[Any]] = {name: [] for name in dict.fromkeys(EDGE_ENDS) | properties}
    for (source_type, relation, target_type), table in snapshot.edges.items():
        count = len(table)
        sources, targets = table.source.tolist(), table.target.tolist()
        fixed = {
            "source_type": [source_type] * count,
            "source_index": sources,
            "source_id": [snapshot.ids[source_type][i] for i in sources],
            "relation": [relation] * count,
            "target_type": [target_type] * count,
            "target_index": targets,
            "target_id": [snapshot.ids[target_type][i] for i in targets],
        }
        _extend(edge_columns, count, fixed, table.properties)
    return pa.table(node_columns), pa.table(edge_columns)


def write_parquet(snapshot: GraphSnapshot, folder: Path, splits: Sequence[str] | None = None) -> list[Path]:
    """Write the tables of :func:`to_arrow` as ``nodes.parquet`` and ``edges.parquet`` into ``folder``.

    Raises:
        InputError: If the folder cannot be written.

    """
    import pyarrow.parquet as pq

    tables = dict(zip(("nodes", "edges"), to_arrow(snapshot, splits), strict=True))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in tables.items():
            path = folder / f"{name}.parquet"
            partial = folder / f".{name}.parquet.partial"
            pq.write_table(table, partial)
            partial.replace(path)
            written.append(path)
        return written
    except OSError as error:
        raise InputError(f"cannot write the export to {folder}: {error.strerror or error}") from error


def _extend(columns: dict[str, list[Any]], count: int, *parts: dict[str, list[Any]]) -> None:
    """Append ``count`` rows to ``columns`` from ``parts``; a column no part holds gets None."""
    given = {name: values for part in parts for name, values in part.items()}
    for name, column in columns.items():
        column.extend(given.get(name, [None] * count))

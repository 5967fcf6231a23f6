"""Graph tensors for the GNN from a graph snapshot: text features, message edges, links to learn."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from taggraph.core.labelled_products import product_text
from taggraph.encoders.gnn.network import EdgeType
from taggraph.encoders.gnn.training import GraphTensors
from taggraph.graph.export import HAS_BRAND, HAS_TAG, IN_CATEGORY, GraphSnapshot, edge_attributes

Embed = Callable[[Sequence[str]], np.ndarray]
LABEL = "label"
HAS_LABEL: EdgeType = ("product", "has_label", LABEL)
FACT = "approved"


def node_features(snapshot: GraphSnapshot, embed: Embed, with_description: bool) -> dict[str, torch.Tensor]:
    """Node features: text embeddings, or indices for users (a learned embedding each).

    Products embed their name (and description when asked); tags, categories and brands their
    names.
    """
    columns = snapshot.properties
    texts = {
        "product": [
            product_text(name, description, with_description) or "product"
            for name, description in zip(
                columns["product"]["name"], columns["product"]["description"], strict=True
            )
        ],
        "tag": [
            f"{kind}: {name}"
            for kind, name in zip(columns["tag"]["kind"], columns["tag"]["name"], strict=True)
        ],
        "category": [name or "category" for name in columns["category"].get("name", [])],
        "brand": [name or "brand" for name in columns["brand"].get("name", [])],
    }
    features = {node_type: torch.from_numpy(embed(values)) for node_type, values in texts.items() if values}
    if snapshot.ids["user"]:
        features["user"] = torch.arange(len(snapshot.ids["user"]))
    return features


def _edge(snapshot: GraphSnapshot, edge_type: EdgeType, keep: np.ndarray | None = None) -> torch.Tensor:
    table = snapshot.edges[edge_type]
    index = table.edge_index
    if keep is not None:
        index = index[:, keep]
    return torch.from_numpy(np.ascontiguousarray(index))


@dataclass
class LabelTask:
    """The tagger's labels as GNN targets.

    Attributes:
        graph: Tensors with a ``label`` node per tagger label; links are the training products'
            labels.
        labels: Label names in column order (the tagger's label space).
        products: Product index of each product the task scores, by product id.

    """

    graph: GraphTensors
    labels: list[str]
    products: dict[str, int]


def label_task(
    snapshot: GraphSnapshot,
    features: dict[str, torch.Tensor],
    labels: Sequence[str],
    label_features: np.ndarray,
    train_positives: dict[str, set[str]],
) -> LabelTask:
    """Tensors to learn the tagger's labels from text and neighbourhood.

    Only training products show their labels, as links. No product keeps an edge that states a
    label (a tag of a label's kind, its category when category levels are labels, its brand when
    brands are), and products outside training keep no tag edge at all: a held-out product is
    seen through its text and its remaining neighbourhood only.

    Args:
        snapshot: The graph.
        features: From :func:`node_features`.
        labels: The tagger's labels (``kind:name``).
        label_features: ``[L, d]`` embeddings of the label names.
        train_positives: Training product id -> its labels.

    """
    kinds = {label.split(":", 1)[0] for label in labels}
    tag_kinds = np.array(snapshot.properties["tag"]["kind"], dtype=object)
    has_tag = snapshot.edges[HAS_TAG]
    training = np.zeros(len(snapshot.ids["product"]), dtype=bool)
    product_index = snapshot.index("product")
    for product_id in train_positives:
        training[product_index[product_id]] = True
    is_fact = np.array([status == FACT for status in has_tag.properties.get("status", [])], dtype=bool)
    label_kind = np.isin(tag_kinds[has_tag.target], list(kinds)) if len(has_tag) else np.zeros(0, dtype=bool)
    keep_tags = is_fact & training[has_tag.source] & ~label_kind
    edges = {HAS_TAG: _edge(snapshot, HAS_TAG, keep_tags)}
    if not any(kind.startswith("category_") for kind in kinds):
        edges[IN_CATEGORY] = _edge(snapshot, IN_CATEGORY)
    if "brand" not in kinds:
        edges[HAS_BRAND] = _edge(snapshot, HAS_BRAND)
    for edge_type, table in snapshot.edges.items():
        if edge_type not in (HAS_TAG, IN_CATEGORY, HAS_BRAND) and len(table):
            edges[edge_type] = _edge(snapshot, edge_type)
    column = {label: position for position, label in enumerate(labels)}
    links = [
        (product_index[product_id], column[label])
        for product_id, positives in sorted(train_positives.items())
        for label in sorted(positives)
        if label in column
    ]
    x = {**features, LABEL: torch.from_numpy(label_features)}
    present = {node_type for node_type, value in x.items() if value.shape[0]}
    edges = {
        key: value
        for key, value in edges.items()
        if value.shape[1] and key[0] in present and key[2] in present
    }
    graph = GraphTensors(
        x={node_type: x[node_type] for node_type in present},
        in_dims={
            node_type: None if x[node_type].dim() == 1 else int(x[node_type].shape[1])
            for node_type in present
        },
        edges=edges,
        target=HAS_LABEL,
        links=torch.tensor(links, dtype=torch.int64).T.contiguous(),
    )
    return LabelTask(graph, list(labels), product_index)


def to_hetero_data(
    snapshot: GraphSnapshot, embedder: Any, splits: Sequence[str] | None = None
) -> tuple[Any, dict[str, dict[str, list[str]]]]:
    """The snapshot as a PyG ``HeteroData``.

    Text features per node type; per edge type its ``edge_index``, ``edge_attr`` (``[E, k]``
    float64, which keeps times to the second; NaN where an edge lacks a value; column names in
    ``edge_attr_names``) and one ``int64`` tensor of codes per text property (-1 where absent);
    with ``splits`` (each product's split in index order), ``train_mask``, ``val_mask`` and
    ``test_mask`` on products.

    Returns:
        The data, and per edge type (``source__relation__target``) the values each coded
        property's codes stand for.

    """
    from torch_geometric.data import HeteroData

    data = HeteroData()
    for node_type, features in node_features(snapshot, embedder.embed, with_description=True).items():
        data[node_type].x = features
        data[node_type].num_nodes = len(snapshot.ids[node_type])
    if splits is not None:
        for mask, split in (("train_mask", "train"), ("val_mask", "validation"), ("test_mask", "test")):
            data["product"][mask] = torch.tensor([each == split for each in splits], dtype=torch.bool)
    edge_values: dict[str, dict[str, list[str]]] = {}
    for edge_type, table in snapshot.edges.items():
        store = data[edge_type]
        store.edge_index = torch.from_numpy(table.edge_index)
        numeric, coded = edge_attributes(table)
        if numeric:
            store.edge_attr = torch.from_numpy(np.stack(list(numeric.values()), axis=1))
            store.edge_attr_names = list(numeric)
        for name, (codes, values) in coded.items():
            store[name] = torch.from_numpy(codes)
            edge_values.setdefault("__".join(edge_type), {})[name] = values
    return data, edge_values


def write_pyg(
    snapshot: GraphSnapshot, embedder: Any, folder: Path, splits: Sequence[str] | None = None
) -> list[Path]:
    """Write the data of :func:`to_hetero_data` as ``graph.pt`` and ``ids.json`` into ``folder``.

    ``ids.json`` maps each node type to its graph ids in index order and, under ``edge_values``,
    each coded edge property to its values.
    """
    data, edge_values = to_hetero_data(snapshot, embedder, splits)
    graph, ids = folder / "graph.pt", folder / "ids.json"
    torch.save(data, graph)
    ids.write_text(json.dumps({**snapshot.ids, "edge_values": edge_values}), encoding="utf-8")
    return [graph, ids]

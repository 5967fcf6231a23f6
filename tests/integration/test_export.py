"""Exports against the real server: every edge property the graph holds comes out, in every format."""

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow.parquet as pq
import pytest
import torch

from taggraph.core.labelled_products import split_of
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.export import EDGE_ENDS, HAS_TAG, INTERACTED, read_snapshot, to_networkx, write_parquet
from taggraph.jobs.cli import main

EXPORTED = {"HAS_TAG", "IN_CATEGORY", "SUBCATEGORY_OF", "HAS_BRAND", "INTERACTED"}


def comparable(value: Any) -> Any:
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return tuple(value) if isinstance(value, list) else value


def graph_edges(executor: GraphExecutor) -> Counter:
    return Counter(
        (
            row["type"],
            row["start"],
            row["end"],
            frozenset((k, comparable(v)) for k, v in row["properties"].items()),
        )
        for row in executor.read("read/all_relationships")
        if row["type"] in EXPORTED
    )


def test_parquet_export_holds_every_edge_property_of_the_graph(
    review_graph: GraphExecutor, tmp_path: Path
) -> None:
    snapshot = read_snapshot(review_graph)
    splits = [split_of(product) for product in snapshot.ids["product"]]
    nodes_path, edges_path = write_parquet(snapshot, tmp_path, splits)
    exported = Counter(
        (
            row["relation"].upper(),
            row["source_id"],
            row["target_id"],
            frozenset((k, comparable(v)) for k, v in row.items() if k not in EDGE_ENDS and v is not None),
        )
        for row in pq.read_table(edges_path).to_pylist()
    )
    assert exported == graph_edges(review_graph)
    columns = set(pq.read_schema(edges_path).names)
    assert {"source", "status", "score", "model", "updated_at", "ts", "kind", "weight", "run"} <= columns
    proposed = [key for key in exported if key[0] == "HAS_TAG" and ("status", "proposed") in key[3]]
    assert {dict(key[3]).get("model") for key in proposed} >= {"m1", "x"}
    nodes = pq.read_table(nodes_path).to_pydict()
    product_rows = [i for i, kind in enumerate(nodes["type"]) if kind == "product"]
    assert [nodes["split"][i] for i in product_rows] == splits
    assert {nodes["split"][i] for i in product_rows} == {"train", "validation", "test"}
    assert all(nodes["split"][i] is None for i, kind in enumerate(nodes["type"]) if kind != "product")


def test_networkx_and_pyg_carry_the_edge_attributes(review_graph: GraphExecutor, tmp_path: Path) -> None:
    snapshot = read_snapshot(review_graph)
    graph = to_networkx(snapshot)
    interactions = [values for _, _, values in graph.edges(data=True) if values["relation"] == "interacted"]
    assert len(interactions) == len(snapshot.edges[INTERACTED]) > 0
    assert all({"ts", "kind", "weight"} <= set(values) for values in interactions)
    tag_edges = [values for _, _, values in graph.edges(data=True) if values["relation"] == "has_tag"]
    assert all(isinstance(values["updated_at"], datetime) for values in tag_edges)

    assert main(["export", str(tmp_path / "nx"), "--format", "networkx", "--splits"]) == 0
    read_back = nx.read_graphml(tmp_path / "nx" / "graph.graphml")
    scored = [values for _, _, values in read_back.edges(data=True) if values.get("model") == "m1"]
    assert len(scored) == 2 and all("updated_at" in values and "score" in values for values in scored)
    assert {
        values.get("split") for _, values in read_back.nodes(data=True) if values["type"] == "product"
    } == {
        "train",
        "validation",
        "test",
    }

    assert main(["export", str(tmp_path / "pyg"), "--format", "pyg", "--splits"]) == 0
    data = torch.load(tmp_path / "pyg" / "graph.pt", weights_only=False)
    ids = json.loads((tmp_path / "pyg" / "ids.json").read_text())
    store = data[HAS_TAG]
    names = store.edge_attr_names
    assert store.edge_attr.shape == (store.edge_index.shape[1], len(names)) and "score" in names
    table = snapshot.edges[HAS_TAG]
    scores = store.edge_attr[:, names.index("score")]
    expected = torch.tensor([float("nan") if s is None else s for s in table.properties["score"]])
    assert torch.allclose(scores, expected.double(), equal_nan=True)
    statuses = ids["edge_values"]["product__has_tag__tag"]["status"]
    decoded = [statuses[code] for code in store.status.tolist()]
    assert decoded == table.properties["status"]
    ts = data[INTERACTED].edge_attr[:, data[INTERACTED].edge_attr_names.index("ts")]
    assert ts.tolist() == [float(t) for t in snapshot.edges[INTERACTED].properties["ts"]]
    masks = torch.stack([data["product"].train_mask, data["product"].val_mask, data["product"].test_mask])
    assert masks.sum(dim=0).tolist() == [1] * len(ids["product"])
    assert data["product"].val_mask.tolist() == [split_of(p) == "validation" for p in ids["product"]]


@pytest.mark.parametrize("bad", ["--splits=maybe", "--format=csv"])
def test_export_refuses_bad_flags(bad: str, tmp_path: Path) -> None:
    assert main(["export", str(tmp_path / "out"), bad]) == 2


def test_reading_reports_every_row_it_reads(review_graph: GraphExecutor) -> None:
    counts: list[int] = []
    snapshot = read_snapshot(review_graph, page_size=50, on_rows=counts.append)
    nodes = sum(len(ids) for ids in snapshot.ids.values())
    products, interactions = len(snapshot.ids["product"]), len(snapshot.edges[INTERACTED])
    assert sum(counts) == nodes + products + interactions  # nodes, a row per product, interactions
    assert len(counts) > nodes // 50

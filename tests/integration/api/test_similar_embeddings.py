"""Similar products once `taggraph embed` has written embeddings: graph and embedding neighbours joined."""

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from taggraph.graph.connection import GraphExecutor
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import READ, ready_client

SHIRT = "myntra:20260"


@pytest.fixture()
def embedded(catalog_graph: GraphExecutor) -> Iterator[str]:
    """Random embeddings, except that the first Flipkart product is the shirt's twin; yields its id."""
    ids = [
        row["id"] for row in catalog_graph.read("read/export_products", after="", limit=10_000, sources=None)
    ]
    vectors = np.random.default_rng(0).normal(size=(len(ids), 8))
    twin = next(i for i in ids if i.startswith("flipkart:"))
    vectors[ids.index(twin)] = vectors[ids.index(SHIRT)] + 0.01
    rows = [{"id": i, "embedding": v.tolist()} for i, v in zip(ids, vectors, strict=True)]
    catalog_graph.write("write/product_embeddings", rows=rows, run="test")
    catalog_graph.write("admin/drop_product_vector_index")  # another test's index may have another width
    catalog_graph.write("admin/product_vector_index", dimensions=8)
    catalog_graph.write("admin/await_indexes")
    yield twin
    catalog_graph.write("admin/drop_product_vector_index")


@pytest.fixture()
def client(embedded: str, neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    with ready_client(None, neo4j_settings) as test_client:
        yield test_client


def test_embedding_neighbours_join_the_graph_neighbours(client: TestClient, embedded: str) -> None:
    answer = client.get(f"/v1/products/{SHIRT}/similar?k=30", headers=READ).json()
    assert "embedding" in answer["parts"] and "features" in answer["parts"]
    by_id = {result["id"]: result for result in answer["results"]}
    path = next(reason["path"] for reason in by_id[embedded]["reasons"] if reason["kind"] == "embedding")
    assert path.startswith("embedding similarity ") and float(path.split()[-1]) > 0.99
    assert any(reason["kind"] == "shared_tag" for result in answer["results"] for reason in result["reasons"])

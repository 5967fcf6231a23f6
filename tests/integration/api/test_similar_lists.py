"""Similar products read from the lists `taggraph graph similar` writes, the same as computed live."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.cli import main
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import READ, ready_client

SHIRT = "myntra:20260"


@pytest.fixture()
def client(catalog_graph: GraphExecutor, neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    with ready_client(None, neo4j_settings) as test_client:
        yield test_client


def test_lists_answer_like_the_live_query(client: TestClient, catalog_graph: GraphExecutor) -> None:
    live = client.get(f"/v1/products/{SHIRT}/similar?k=5", headers=READ).json()
    assert live["precomputed"] is False
    assert main(["graph", "similar", "--k", "10", "--page-size", "100"]) == 0
    stored = client.get(f"/v1/products/{SHIRT}/similar?k=5", headers=READ).json()
    assert stored["precomputed"] is True
    assert stored["results"] == live["results"]
    longer = client.get(f"/v1/products/{SHIRT}/similar?k=20", headers=READ).json()
    assert longer["precomputed"] is False and len(longer["results"]) == 20
    assert client.get("/v1/products/myntra:0/similar", headers=READ).status_code == 404
    assert main(["graph", "similar", "--k", "0"]) == 2

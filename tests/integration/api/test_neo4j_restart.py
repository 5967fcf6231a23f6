"""The real local server stopped while the service runs: 503 with Retry-After on graph routes, answers
from memory on the others, then recovery by itself."""

import time

import pytest
from fastapi.testclient import TestClient

from taggraph.graph import server
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import READ

pytestmark = pytest.mark.slow
URL = "/v1/products/myntra:20260/tags"


def test_a_stopped_neo4j_gives_503_and_the_service_comes_back(
    client: TestClient, neo4j_settings: Neo4jSettings
) -> None:
    assert client.get(URL, headers=READ).status_code == 200
    assert server.stop(neo4j_settings)
    try:
        for path in (URL, "/v1/products/myntra:20260"):
            response = client.get(path, headers=READ)
            assert response.status_code == 503, response.text
            detail = response.json()["detail"]
            assert (
                response.headers["Retry-After"] == "5" and "bolt" not in detail and "taggraph" not in detail
            )
            assert "not reachable" in detail or "did not answer" in detail
        # Recommendations and similar products answer from the catalog held in memory.
        recommend = client.post("/v1/recommendations", headers=READ, json={"tags": ["tag:gender:men"]})
        assert recommend.status_code == 200 and recommend.json()["results"]
        assert client.get("/v1/products/myntra:20260/similar", headers=READ).status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and not ready.json()["ready"]
        assert client.get("/healthz").status_code == 200
    finally:
        server.start(neo4j_settings)
    deadline = time.monotonic() + 60
    while (answer := client.get(URL, headers=READ)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert answer.status_code == 200 and answer.json()["tags"]
    assert client.get("/readyz").json()["ready"]

"""Review through the API: the queue's order, decisions on tags and on candidate entities."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags
from taggraph.graph.schema import clear_graph
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import READ, REVIEW, ready_client
from tests.support.catalog import ingest_all
from tests.support.review import CANDIDATE, SHIRT, WHITE_SHIRT, add_review_work


@pytest.fixture()
def graph(session_executor: GraphExecutor, demo_dir: Path, tmp_path: Path) -> GraphExecutor:
    """The demo graph with tagger proposals and an extractor candidate to review."""
    clear_graph(session_executor)
    ingest_all(session_executor, demo_dir, tmp_path)
    add_review_work(session_executor)
    return session_executor


@pytest.fixture()
def client(graph: GraphExecutor, neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    with ready_client(None, neo4j_settings) as test_client:
        yield test_client


def edges(executor: GraphExecutor, product_id: str) -> dict[str, dict]:
    return {row["tag_id"]: row for row in product_tags(executor, product_id)}


def test_queue_puts_the_least_confident_first(client: TestClient) -> None:
    queue = client.get("/v1/review/queue", headers=REVIEW).json()
    scores = [row["score"] for row in queue["proposals"]]
    assert scores == sorted(scores) and scores[0] == 0.41
    assert [c["tag_id"] for c in queue["candidates"]] == [CANDIDATE]
    assert queue["candidates"][0]["products"] == 1
    colour = client.get("/v1/review/queue?kind=colour", headers=REVIEW).json()
    assert {row["kind"] for row in colour["proposals"]} == {"colour"}


def test_decisions_become_human_facts_with_the_reviewer(client: TestClient, graph: GraphExecutor) -> None:
    body = {
        "decisions": [
            {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"},
            {"action": "approve", "product_id": WHITE_SHIRT, "tag_id": "tag:colour:white"},
            {"action": "approve", "product_id": "myntra:0", "tag_id": "tag:colour:white"},
        ]
    }
    result = client.post("/v1/review/decisions", headers=REVIEW, json=body).json()
    assert result == {
        "reviewer": "ana",
        "applied": 2,
        "not_applied": [{"index": 2, "reason": "no such product or tag"}],
    }
    rejected = edges(graph, SHIRT)["tag:usage:formal"]
    assert (rejected["source"], rejected["status"], rejected["reviewer"]) == ("human", "rejected", "ana")
    assert edges(graph, WHITE_SHIRT)["tag:colour:white"]["status"] == "approved"
    graph.write(
        "write/tagger_proposals",
        rows=[{"product_id": SHIRT, "tags": [{"tag_id": "tag:usage:formal", "score": 0.99}]}],
        source="tagger",
        model="m2",
    )
    assert edges(graph, SHIRT)["tag:usage:formal"]["status"] == "rejected"


def test_merging_a_candidate_moves_its_proposals_and_keeps_its_names(
    client: TestClient, graph: GraphExecutor
) -> None:
    body = {"decisions": [{"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:navy-blue"}]}
    assert client.post("/v1/review/decisions", headers=REVIEW, json=body).json()["applied"] == 1
    entity = graph.read("read/linker_entities")
    navy = next(row for row in entity if row["id"] == "tag:colour:navy-blue")
    assert "navvy blue" in navy["aliases"]
    candidate = graph.read("read/tag", tag_id=CANDIDATE)[0]
    assert candidate["status"] == "merged"
    shirt = edges(graph, SHIRT)
    assert CANDIDATE not in shirt
    assert shirt["tag:colour:navy-blue"]["source"] == "catalog"  # the catalog edge already there stays
    again = client.post("/v1/review/decisions", headers=REVIEW, json=body).json()
    assert again["applied"] == 0 and again["not_applied"][0]["index"] == 0


def test_candidates_are_accepted_or_dropped(client: TestClient, graph: GraphExecutor) -> None:
    body = {"decisions": [{"action": "reject", "tag_id": CANDIDATE}]}
    assert client.post("/v1/review/decisions", headers=REVIEW, json=body).json()["applied"] == 1
    assert graph.read("read/tag", tag_id=CANDIDATE)[0]["status"] == "rejected"
    assert CANDIDATE not in edges(graph, SHIRT)
    assert client.post("/v1/review/decisions", headers=REVIEW, json=body).json()["applied"] == 0


@pytest.mark.parametrize(
    "decision",
    [
        {"action": "merge", "tag_id": CANDIDATE},
        {"action": "merge", "tag_id": "a", "into_id": "b", "product_id": SHIRT},
        {"action": "approve", "tag_id": "a", "into_id": "b"},
        {"action": "promote", "tag_id": "a"},
        {"action": "approve"},
        {"action": "approve", "tag_id": "a", "reviewer": "mallory"},
    ],
)
def test_malformed_decisions_are_422_and_change_nothing(
    client: TestClient, graph: GraphExecutor, decision: dict
) -> None:
    before = edges(graph, SHIRT)
    assert (
        client.post("/v1/review/decisions", headers=REVIEW, json={"decisions": [decision]}).status_code == 422
    )
    assert edges(graph, SHIRT) == before


def test_models_not_loaded_answer_503_with_a_reason(client: TestClient) -> None:
    response = client.get("/v1/tags/search?q=navy", headers=READ)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "TAGGRAPH_API_LOAD_MODELS" in response.json()["detail"]
    assert client.post("/v1/tag", headers=READ, json={"title": "shirt"}).status_code == 503

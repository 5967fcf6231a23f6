"""The decision record: every decision kept with what it changed, history per product and reviewer,
supersession, and undo that puts each edge and candidate back exactly as it was."""

import pytest
from fastapi.testclient import TestClient

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags
from tests.integration.api.conftest import KEYS, REVIEW
from tests.support.review import CANDIDATE, SHIRT, WHITE_SHIRT

OPS = {"X-API-Key": KEYS["ops"]}


def decide(review_client: TestClient, headers: dict, *decisions: dict) -> dict:
    response = review_client.post(
        "/v1/review/decisions", headers=headers, json={"decisions": list(decisions)}
    )
    assert response.status_code == 200, response.text
    return response.json()


def undo(review_client: TestClient, headers: dict = REVIEW) -> dict:
    response = review_client.post("/v1/review/undo", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def edge_state(review_graph: GraphExecutor, product_id: str) -> dict:
    return {row["tag_id"]: row for row in product_tags(review_graph, product_id)}


def candidate_state(review_graph: GraphExecutor) -> tuple:
    tag = review_graph.read("read/tag", tag_id=CANDIDATE)[0]
    navy = next(
        row for row in review_graph.read("read/linker_entities") if row["id"] == "tag:colour:navy-blue"
    )
    return tag["status"], sorted(navy["aliases"]), edge_state(review_graph, SHIRT)


def test_undo_puts_a_proposal_back_exactly_as_it_was(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    before = edge_state(review_graph, SHIRT)
    result = decide(
        review_client, REVIEW, {"action": "approve", "product_id": SHIRT, "tag_id": "tag:usage:formal"}
    )
    assert edge_state(review_graph, SHIRT)["tag:usage:formal"]["status"] == "approved"
    undone = undo(review_client)
    assert undone == {"batch": result["batch"], "undone": 1, "not_undone": {}}
    assert edge_state(review_graph, SHIRT) == before
    assert undo(review_client) == {"batch": None, "undone": 0, "not_undone": {}}


def test_undo_removes_an_edge_the_decision_created(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    before = edge_state(review_graph, WHITE_SHIRT)
    assert "tag:usage:formal" not in before
    decide(
        review_client, REVIEW, {"action": "reject", "product_id": WHITE_SHIRT, "tag_id": "tag:usage:formal"}
    )
    assert edge_state(review_graph, WHITE_SHIRT)["tag:usage:formal"]["status"] == "rejected"
    assert undo(review_client)["undone"] == 1
    assert edge_state(review_graph, WHITE_SHIRT) == before


def test_a_later_decision_supersedes_and_undo_goes_back_one_step(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    formal = {"product_id": SHIRT, "tag_id": "tag:usage:formal"}
    decide(review_client, REVIEW, {"action": "approve", **formal})
    after_ana = edge_state(review_graph, SHIRT)
    decide(review_client, OPS, {"action": "reject", **formal})
    history = review_client.get(f"/v1/review/history?product_id={SHIRT}", headers=REVIEW).json()["decisions"]
    assert [(row["reviewer"], row["status"]) for row in history] == [("ops", "rejected"), ("ana", "approved")]
    assert history[1]["superseded_by"] == "ops" and history[0]["superseded_by"] is None
    assert history[0]["before_source"] == "human" and history[1]["before_source"] == "tagger"
    refused = undo(review_client)  # ana's approval was superseded by ops's rejection
    assert refused["undone"] == 0 and "superseded" in next(iter(refused["not_undone"].values()))
    assert undo(review_client, OPS)["undone"] == 1
    assert edge_state(review_graph, SHIRT) == after_ana
    assert undo(review_client)["undone"] == 1  # live again once ops's decision is undone
    assert edge_state(review_graph, SHIRT)["tag:usage:formal"]["source"] == "tagger"
    by_ana = review_client.get("/v1/review/history?reviewer=ana", headers=REVIEW).json()["decisions"]
    assert by_ana[0]["undone_by"] == "ana" and by_ana[0]["superseded_by"] is None


def test_undo_is_refused_when_the_edge_changed_since(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    decide(review_client, REVIEW, {"action": "approve", "product_id": SHIRT, "tag_id": "tag:usage:formal"})
    review_graph.write(
        "write/tag_decision",
        rows=[
            {
                "index": 0,
                "reviewer": "script",
                "action": "reject",
                "product_id": SHIRT,
                "tag_id": "tag:usage:formal",
                "status": "rejected",
            }
        ],
        batch="outside",
    )
    result = undo(review_client)
    assert result["undone"] == 0 and result["not_undone"]
    assert edge_state(review_graph, SHIRT)["tag:usage:formal"]["status"] == "rejected"


@pytest.mark.parametrize(
    "decision",
    [
        {"action": "approve", "tag_id": CANDIDATE},
        {"action": "reject", "tag_id": CANDIDATE},
        {"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:navy-blue"},
    ],
)
def test_undo_of_a_candidate_decision_restores_the_candidate_and_its_proposals(
    review_client: TestClient, review_graph: GraphExecutor, decision: dict
) -> None:
    before = candidate_state(review_graph)
    assert decide(review_client, REVIEW, decision)["applied"] == 1
    assert candidate_state(review_graph) != before
    assert undo(review_client)["undone"] == 1
    assert candidate_state(review_graph) == before
    queue = review_client.get("/v1/review/queue", headers=REVIEW).json()
    assert [row["tag_id"] for row in queue["candidates"]] == [CANDIDATE]


def test_a_batch_is_undone_whole(review_client: TestClient, review_graph: GraphExecutor) -> None:
    before = (edge_state(review_graph, SHIRT), edge_state(review_graph, WHITE_SHIRT))
    decide(
        review_client,
        REVIEW,
        {"action": "approve", "product_id": WHITE_SHIRT, "tag_id": "tag:colour:white"},
        {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"},
    )
    assert undo(review_client)["undone"] == 2
    assert (edge_state(review_graph, SHIRT), edge_state(review_graph, WHITE_SHIRT)) == before


def test_the_queue_filters_and_history_validate_their_parameters(review_client: TestClient) -> None:
    def proposals(query: str) -> list[tuple[str, str]]:
        response = review_client.get(f"/v1/review/queue?{query}", headers=REVIEW)
        return [(row["product_id"], row["tag_id"]) for row in response.json()["proposals"]]

    white = (WHITE_SHIRT, "tag:colour:white")
    assert proposals("source=tagger&min_score=0.5") == [white]
    assert proposals("kind=colour&model=m1") == [white]
    assert proposals("source=extractor") == [(SHIRT, CANDIDATE)]
    assert proposals("max_score=0.5") == [(SHIRT, "tag:usage:formal")]
    assert proposals("product_source=flipkart") == []
    for query in ("min_score=2", "max_score=-1", "source=a%20b", "category_id=%00", "limit=0"):
        assert review_client.get(f"/v1/review/queue?{query}", headers=REVIEW).status_code == 422, query
    assert review_client.get("/v1/review/history?reviewer=x%00", headers=REVIEW).status_code == 422
    assert review_client.get("/v1/review/history?reviewer=x'%20OR%201=1", headers=REVIEW).json() == {
        "decisions": []
    }
    assert review_client.get("/v1/review/history?reviewer=nobody", headers=REVIEW).json() == {"decisions": []}

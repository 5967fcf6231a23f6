"""Review through the API: the queue's order, decisions on tags and on candidate entities, contradictions
refused whole, candidates accepted before their edges, and each decision applied exactly once when
reviewers decide the same thing at the same moment."""

import threading
import time

import pytest
from fastapi.testclient import TestClient

from taggraph.core.decisions import Decision, DecisionConflictError, apply_decisions
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags
from tests.integration.api.conftest import READ, REVIEW
from tests.support.review import CANDIDATE, SHIRT, WHITE_SHIRT

THREADS = 8
ROUNDS = 20


def edges(executor: GraphExecutor, product_id: str) -> dict[str, dict]:
    return {row["tag_id"]: row for row in product_tags(executor, product_id)}


def test_queue_puts_the_least_confident_first(review_client: TestClient) -> None:
    queue = review_client.get("/v1/review/queue", headers=REVIEW).json()
    scores = [row["score"] for row in queue["proposals"]]
    assert scores == sorted(scores) and scores[0] == 0.41
    assert [c["tag_id"] for c in queue["candidates"]] == [CANDIDATE]
    assert queue["candidates"][0]["products"] == 1
    colour = review_client.get("/v1/review/queue?kind=colour", headers=REVIEW).json()
    assert {row["kind"] for row in colour["proposals"]} == {"colour"}


def test_decisions_become_human_facts_with_the_reviewer(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    body = {
        "decisions": [
            {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"},
            {"action": "approve", "product_id": WHITE_SHIRT, "tag_id": "tag:colour:white"},
            {"action": "approve", "product_id": "myntra:0", "tag_id": "tag:colour:white"},
        ]
    }
    result = review_client.post("/v1/review/decisions", headers=REVIEW, json=body).json()
    assert len(result.pop("batch")) == 32
    assert result == {
        "reviewer": "ana",
        "applied": 2,
        "not_applied": [{"index": 2, "reason": "no such product or tag"}],
    }
    rejected = edges(review_graph, SHIRT)["tag:usage:formal"]
    assert (rejected["source"], rejected["status"], rejected["reviewer"]) == ("human", "rejected", "ana")
    assert edges(review_graph, WHITE_SHIRT)["tag:colour:white"]["status"] == "approved"
    review_graph.write(
        "write/tagger_proposals",
        rows=[{"product_id": SHIRT, "tags": [{"tag_id": "tag:usage:formal", "score": 0.99}]}],
        source="tagger",
        model="m2",
    )
    assert edges(review_graph, SHIRT)["tag:usage:formal"]["status"] == "rejected"


def test_merging_a_candidate_moves_its_proposals_and_keeps_its_names(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    body = {"decisions": [{"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:navy-blue"}]}
    assert review_client.post("/v1/review/decisions", headers=REVIEW, json=body).json()["applied"] == 1
    entity = review_graph.read("read/linker_entities")
    navy = next(row for row in entity if row["id"] == "tag:colour:navy-blue")
    assert "navvy blue" in navy["aliases"]
    candidate = review_graph.read("read/tag", tag_id=CANDIDATE)[0]
    assert candidate["status"] == "merged"
    shirt = edges(review_graph, SHIRT)
    assert CANDIDATE not in shirt
    assert shirt["tag:colour:navy-blue"]["source"] == "catalog"  # the catalog edge already there stays
    again = review_client.post("/v1/review/decisions", headers=REVIEW, json=body).json()
    assert again["applied"] == 0 and again["not_applied"][0]["index"] == 0


def test_candidates_are_accepted_or_dropped(review_client: TestClient, review_graph: GraphExecutor) -> None:
    body = {"decisions": [{"action": "reject", "tag_id": CANDIDATE}]}
    assert review_client.post("/v1/review/decisions", headers=REVIEW, json=body).json()["applied"] == 1
    assert review_graph.read("read/tag", tag_id=CANDIDATE)[0]["status"] == "rejected"
    assert CANDIDATE not in edges(review_graph, SHIRT)
    assert review_client.post("/v1/review/decisions", headers=REVIEW, json=body).json()["applied"] == 0


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
    review_client: TestClient, review_graph: GraphExecutor, decision: dict
) -> None:
    before = edges(review_graph, SHIRT)
    assert (
        review_client.post("/v1/review/decisions", headers=REVIEW, json={"decisions": [decision]}).status_code
        == 422
    )
    assert edges(review_graph, SHIRT) == before


def test_models_not_loaded_answer_503_with_a_reason(review_client: TestClient) -> None:
    response = review_client.get("/v1/tags/search?q=navy", headers=READ)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "TAGGRAPH_API_LOAD_MODELS" in response.json()["detail"]
    assert review_client.post("/v1/tag", headers=READ, json={"title": "shirt"}).status_code == 503


def edge(executor: GraphExecutor, product_id: str, tag_id: str) -> dict | None:
    return next((row for row in product_tags(executor, product_id) if row["tag_id"] == tag_id), None)


def tag(executor: GraphExecutor, tag_id: str) -> dict:
    return executor.read("read/tag", tag_id=tag_id)[0]


@pytest.mark.parametrize(
    "decisions",
    [
        [
            {"action": "approve", "product_id": SHIRT, "tag_id": "tag:usage:formal"},
            {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"},
        ],
        [{"action": "approve", "tag_id": CANDIDATE}, {"action": "reject", "tag_id": CANDIDATE}],
        [
            {"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:navy-blue"},
            {"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:white"},
        ],
        [
            {"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:navy-blue"},
            {"action": "approve", "product_id": SHIRT, "tag_id": CANDIDATE},
        ],
        [
            {"action": "reject", "tag_id": CANDIDATE},
            {"action": "approve", "product_id": SHIRT, "tag_id": CANDIDATE},
        ],
    ],
)
def test_a_contradictory_batch_is_refused_whole(
    review_client: TestClient, review_graph: GraphExecutor, decisions: list
) -> None:
    before = (product_tags(review_graph, SHIRT), tag(review_graph, CANDIDATE))
    padded = [{"action": "approve", "product_id": WHITE_SHIRT, "tag_id": "tag:colour:white"}, *decisions]
    response = review_client.post("/v1/review/decisions", headers=REVIEW, json={"decisions": padded})
    assert response.status_code == 422
    assert response.json()["conflicts"] == [[1, 2]] and "items 1 and 2" in response.json()["detail"]
    assert (product_tags(review_graph, SHIRT), tag(review_graph, CANDIDATE)) == before
    assert edge(review_graph, WHITE_SHIRT, "tag:colour:white")["status"] == "proposed"


def test_an_edge_to_a_candidate_is_approved_only_after_the_candidate(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    approve_edge = {"action": "approve", "product_id": SHIRT, "tag_id": CANDIDATE}
    result = review_client.post(
        "/v1/review/decisions", headers=REVIEW, json={"decisions": [approve_edge]}
    ).json()
    assert (
        result["applied"] == 0 and "accept or merge the candidate first" in result["not_applied"][0]["reason"]
    )
    assert edge(review_graph, SHIRT, CANDIDATE)["status"] == "proposed"
    both = {"decisions": [approve_edge, {"action": "approve", "tag_id": CANDIDATE}]}
    result = review_client.post("/v1/review/decisions", headers=REVIEW, json=both).json()
    assert result["applied"] == 2, result
    assert tag(review_graph, CANDIDATE)["status"] == "active"
    assert (
        edge(review_graph, SHIRT, CANDIDATE)["source"],
        edge(review_graph, SHIRT, CANDIDATE)["status"],
    ) == (
        "human",
        "approved",
    )


def test_an_edge_to_a_candidate_can_be_rejected_before_the_candidate_is_decided(
    review_client: TestClient, review_graph: GraphExecutor
) -> None:
    reject_edge = {"action": "reject", "product_id": SHIRT, "tag_id": CANDIDATE}
    result = review_client.post(
        "/v1/review/decisions", headers=REVIEW, json={"decisions": [reject_edge]}
    ).json()
    assert result["applied"] == 1, result
    assert (
        edge(review_graph, SHIRT, CANDIDATE)["source"],
        edge(review_graph, SHIRT, CANDIDATE)["status"],
    ) == (
        "human",
        "rejected",
    )
    assert tag(review_graph, CANDIDATE)["status"] == "candidate"


def test_a_repeated_item_and_a_repeated_decision_change_nothing_more(review_client: TestClient) -> None:
    reject = {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"}
    result = review_client.post(
        "/v1/review/decisions", headers=REVIEW, json={"decisions": [reject, reject]}
    ).json()
    assert result["applied"] == 1 and result["not_applied"] == [{"index": 1, "reason": "repeats item 0"}]
    again = review_client.post("/v1/review/decisions", headers=REVIEW, json={"decisions": [reject]}).json()
    assert again["applied"] == 0 and "already made this decision" in again["not_applied"][0]["reason"]


def at_once(work: list) -> list:
    """Run each callable on its own thread, released together; their results in order."""
    barrier = threading.Barrier(len(work))
    results: list = [None] * len(work)

    def run(position: int) -> None:
        barrier.wait()
        results[position] = work[position]()

    threads = [threading.Thread(target=run, args=(position,)) for position in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_edge_decided_by_eight_reviewers_at_once_is_applied_once(review_graph: GraphExecutor) -> None:
    for round_ in range(ROUNDS):
        review_graph.write(
            "write/tagger_proposals",
            rows=[{"product_id": SHIRT, "tags": [{"tag_id": "tag:usage:formal", "score": 0.41}]}],
            source="tagger",
            model=f"m{round_}",
        )
        action = "approve" if round_ % 2 else "reject"
        decision = Decision(action, "tag:usage:formal", SHIRT)
        outcomes = at_once(
            [lambda i=i, d=decision: apply_decisions(review_graph, [d], f"r{i}") for i in range(THREADS)]
        )
        assert sum(outcome.applied for outcome in outcomes) == 1, round_
        expected = {"approve": "approved", "reject": "rejected"}[action]
        assert edge(review_graph, SHIRT, "tag:usage:formal")["status"] == expected


def fresh_candidate(review_graph: GraphExecutor, round_: int) -> str:
    candidate_id = f"tag:colour:candidate-{round_}"
    candidate = {
        "id": candidate_id,
        "name": f"candidate {round_}",
        "kind": "colour",
        "suggested_ids": ["tag:colour:navy-blue"],
        "suggested_scores": [0.5],
    }
    review_graph.write("write/candidate_tags", rows=[candidate])
    return candidate_id


def test_one_candidate_accepted_and_rejected_at_once_is_decided_once(review_graph: GraphExecutor) -> None:
    for round_ in range(ROUNDS):
        candidate = fresh_candidate(review_graph, round_)
        actions = ["approve", "reject"] * (THREADS // 2)
        work = [
            lambda a=a, i=i, c=candidate: apply_decisions(review_graph, [Decision(a, c)], f"r{i}")
            for i, a in enumerate(actions)
        ]
        outcomes = at_once(work)
        applied = [actions[i] for i, outcome in enumerate(outcomes) if outcome.applied]
        assert len(applied) == 1, (round_, applied)
        assert tag(review_graph, candidate)["status"] == ("active" if applied[0] == "approve" else "rejected")


def test_one_candidate_merged_into_different_tags_at_once_is_merged_once(review_graph: GraphExecutor) -> None:
    targets = ["tag:colour:navy-blue", "tag:colour:white", "tag:colour:black", "tag:colour:blue"]
    for round_ in range(ROUNDS):
        candidate = fresh_candidate(review_graph, round_)
        work = [
            lambda i=i, c=candidate: apply_decisions(
                review_graph, [Decision("merge", c, into_id=targets[i % len(targets)])], f"r{i}"
            )
            for i in range(THREADS)
        ]
        outcomes = at_once(work)
        assert sum(outcome.applied for outcome in outcomes) == 1, round_
        aliases = {row["id"]: row["aliases"] for row in review_graph.read("read/linker_entities")}
        holders = [t for t in targets if f"candidate {round_}" in aliases.get(t, [])]
        assert len(holders) == 1 and tag(review_graph, candidate)["status"] == "merged"


def test_a_conflict_is_an_error_of_the_core_too(review_graph: GraphExecutor) -> None:
    with pytest.raises(DecisionConflictError) as refused:
        apply_decisions(review_graph, [Decision("approve", CANDIDATE), Decision("reject", CANDIDATE)], "ana")
    assert refused.value.conflicts == [(0, 1)]


def test_a_decision_reaches_the_recommendations_without_a_restart(review_client: TestClient) -> None:
    """A rejected tag is probability 0 in the in-memory catalog once it is read again."""
    ask = {"tags": ["tag:usage:formal"], "k": 100}

    def recommended() -> list[str]:
        response = review_client.post("/v1/recommendations", headers=READ, json=ask)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["results"]]

    assert SHIRT in recommended()  # proposed at 0.41
    reject = {"action": "reject", "product_id": SHIRT, "tag_id": "tag:usage:formal"}
    assert (
        review_client.post("/v1/review/decisions", headers=REVIEW, json={"decisions": [reject]}).status_code
        == 200
    )
    deadline = time.monotonic() + 60
    while SHIRT in recommended() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert SHIRT not in recommended()

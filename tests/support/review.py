"""Work for reviewers in a test graph: tagger proposals and an extractor's candidate entity."""

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags

SHIRT = "myntra:20260"
WHITE_SHIRT = "myntra:38402"
CANDIDATE = "tag:colour:navvy-blue"


def add_review_work(executor: GraphExecutor) -> None:
    """Propose formal usage (0.41) for SHIRT, white (0.93) for WHITE_SHIRT, and the candidate
    colour ``navvy blue`` (nearest entity navy blue, 0.47) for SHIRT through the extractor."""
    executor.write(
        "write/tagger_proposals",
        rows=[
            {"product_id": SHIRT, "tags": [{"tag_id": "tag:usage:formal", "score": 0.41}]},
            {"product_id": WHITE_SHIRT, "tags": [{"tag_id": "tag:colour:white", "score": 0.93}]},
        ],
        source="tagger",
        model="m1",
    )
    candidate = {
        "id": CANDIDATE,
        "name": "navvy blue",
        "kind": "colour",
        "suggested_ids": ["tag:colour:navy-blue"],
        "suggested_scores": [0.47],
    }
    executor.write("write/candidate_tags", rows=[candidate])
    proposal = {
        "entity_id": CANDIDATE,
        "score": 0.6,
        "link_score": 0.47,
        "surface": "navvy blue",
        "model": "x",
    }
    executor.write(
        "write/extractor_proposals",
        rows=[{"product_id": SHIRT, "tags": [proposal], "brands": []}],
        source="extractor",
        run="r1",
    )


def edge_state(executor: GraphExecutor, product_id: str, tag_id: str) -> tuple[str, str] | None:
    """The ``(source, status)`` of a product's tag edge; None when there is no edge."""
    for row in product_tags(executor, product_id):
        if row["tag_id"] == tag_id:
            return row["source"], row["status"]
    return None

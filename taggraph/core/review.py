"""The review queue: proposed tags, least confident first, and candidate entities."""

from dataclasses import dataclass
from typing import Any

from taggraph.graph.connection import GraphExecutor


@dataclass
class ReviewQueue:
    """What awaits review: proposed product tags and candidate entities."""

    proposals: list[dict[str, Any]]
    candidates: list[dict[str, Any]]


def review_queue(executor: GraphExecutor, kind: str | None, limit: int) -> ReviewQueue:
    """Up to ``limit`` proposals, least confident first, and candidates, likeliest duplicates first.

    Args:
        executor: The graph.
        kind: Only tags of this kind; every kind when None.
        limit: Most proposals and most candidates.

    """
    return ReviewQueue(
        proposals=executor.read("read/review_proposals", kind=kind, limit=limit),
        candidates=executor.read("read/review_candidates", kind=kind, limit=limit),
    )

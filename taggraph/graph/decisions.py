"""Human decisions on product tags: facts that models and catalog re-ingests never change."""

from dataclasses import dataclass
from typing import Literal

from taggraph.graph.connection import GraphExecutor

Decision = Literal["approved", "rejected"]


@dataclass(frozen=True)
class TagDecision:
    """A reviewer approved or rejected one tag of one product."""

    product_id: str
    tag_id: str
    status: Decision
    reviewer: str


def record_decisions(executor: GraphExecutor, decisions: list[TagDecision]) -> None:
    """Write decisions as ``HAS_TAG {source: 'human', status, reviewer, updated_at}``.

    Args:
        executor: Executor on the graph.
        decisions: The decisions; unknown products or tags are skipped.

    """
    rows = [
        {
            "product_id": decision.product_id,
            "tag_id": decision.tag_id,
            "status": decision.status,
            "reviewer": decision.reviewer,
        }
        for decision in decisions
    ]
    executor.write("write/tag_decision", rows=rows)

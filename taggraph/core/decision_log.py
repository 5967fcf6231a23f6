"""The record of review decisions: history per product or reviewer, and undo of a reviewer's latest batch.

:func:`taggraph.core.decisions.apply_decisions` keeps every applied decision as a
``(:Decision)`` with what the edge or candidate was before. Undo puts that back, exactly:
an edge the decision created is removed, an edge it changed gets its earlier properties, a
candidate is a candidate again with the proposals it lost, and a merge takes back its aliases.
"""

from dataclasses import dataclass
from typing import Any

from taggraph.graph.connection import GraphExecutor

UNDO_REASONS = {
    "superseded": "a later decision on the same edge superseded it; undo that one first",
    "changed": "the graph no longer holds what it decided",
}


@dataclass(frozen=True)
class UndoOutcome:
    """What an undo did.

    Attributes:
        batch: The batch undone; None when the reviewer had nothing left to undo.
        undone: Decisions put back.
        not_undone: Decision id -> why it was left as it is.

    """

    batch: str | None
    undone: int
    not_undone: dict[str, str]


def undo_latest(executor: GraphExecutor, reviewer: str) -> UndoOutcome:
    """Undo the newest batch of ``reviewer``'s decisions that is not undone yet, in one transaction.

    A decision that a later one superseded, or whose edge or candidate someone changed since,
    is left as it is and reported; the rest of the batch is undone.
    """
    rows = executor.read("read/latest_decision_batch", reviewer=reviewer)
    if not rows:
        return UndoOutcome(None, 0, {})
    batch = rows[0]["batch"]
    parameters = {"batch": batch, "reviewer": reviewer}
    steps = [("write/undo_edge_decisions", parameters), ("write/undo_candidate_decisions", parameters)]
    outcomes = [row for rows in executor.write_steps(steps) for row in rows]
    not_undone = {
        row["decision_id"]: UNDO_REASONS[row["outcome"]] for row in outcomes if row["outcome"] != "undone"
    }
    return UndoOutcome(batch, len(outcomes) - len(not_undone), not_undone)


def decision_history(
    executor: GraphExecutor,
    *,
    product_id: str | None = None,
    reviewer: str | None = None,
    tag_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Decisions newest first, of a product, a reviewer, a tag or any combination (None: any).

    Each row says who decided what and when, what the edge or candidate was before, and who
    superseded or undid the decision, if anyone.
    """
    return executor.read(
        "read/decision_history", product_id=product_id, reviewer=reviewer, tag_id=tag_id, limit=limit
    )


def plan_review_statements(executor: GraphExecutor) -> None:
    """Have Neo4j plan the decision and undo statements before the first reviewer waits on them.

    A cold server takes a second or more to plan them, which a request's time limit may not
    allow. Run with no rows and no batch, they change nothing; their plans stay cached.
    """
    empty: dict[str, Any] = {"rows": [], "batch": ""}
    steps: list[tuple[str, dict[str, Any]]] = [
        ("write/candidate_decision", empty),
        ("write/merge_candidate", empty),
        ("write/tag_decision", empty),
        ("write/undo_edge_decisions", {"batch": "", "reviewer": ""}),
        ("write/undo_candidate_decisions", {"batch": "", "reviewer": ""}),
    ]
    executor.write_steps(steps)
    executor.read("read/latest_decision_batch", reviewer="")

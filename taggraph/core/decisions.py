"""Review decisions: human facts on product tags and candidate entities that no model changes.

The one write path of every decision, whether it comes from the API, a test or a benchmark.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from taggraph.graph.connection import GraphExecutor

Action = Literal["approve", "reject", "merge"]


@dataclass(frozen=True)
class Decision:
    """One review decision.

    ``approve``/``reject`` with ``product_id``: that product's tag becomes a human fact.
    ``approve``/``reject`` without it: a candidate entity becomes an active tag, or is dropped
    with its proposals. ``merge``: the candidate ``tag_id`` is the entity ``into_id`` (its names
    become aliases there and its proposals move there).
    """

    action: Action
    tag_id: str
    product_id: str | None = None
    into_id: str | None = None


@dataclass(frozen=True)
class NotApplied:
    """A decision that changed nothing (its position in the batch), and why."""

    index: int
    reason: str


@dataclass(frozen=True)
class DecisionsOutcome:
    """What a batch of decisions changed."""

    reviewer: str
    applied: int
    not_applied: list[NotApplied]


def apply_decisions(
    executor: GraphExecutor, decisions: Sequence[Decision], reviewer: str
) -> DecisionsOutcome:
    """Apply decisions in one transaction, recorded with ``reviewer``.

    Approving or rejecting a product's tag makes the edge ``{source: 'human'}``: no model run or
    catalog re-ingest changes it afterwards. Decisions that name no such product, tag or
    candidate change nothing and are reported with their reason.

    Args:
        executor: The graph.
        decisions: The decisions, in the order given.
        reviewer: Who decided (the API key's client name).

    """
    edges: list[tuple[int, dict[str, Any]]] = []
    candidates: list[tuple[int, dict[str, Any]]] = []
    merges: list[tuple[int, dict[str, Any]]] = []
    for index, decision in enumerate(decisions):
        status = "approved" if decision.action == "approve" else "rejected"
        if decision.action == "merge":
            merges.append((index, {"candidate_id": decision.tag_id, "into_id": decision.into_id}))
        elif decision.product_id is not None:
            edges.append(
                (index, {"product_id": decision.product_id, "tag_id": decision.tag_id, "status": status})
            )
        else:
            candidate_status = "active" if status == "approved" else status
            candidates.append((index, {"tag_id": decision.tag_id, "status": candidate_status}))
    steps = [
        (name, {"rows": [{**row, "reviewer": reviewer} for _, row in group]})
        for name, group in (
            ("write/tag_decision", edges),
            ("write/candidate_decision", candidates),
            ("write/merge_candidate", merges),
        )
    ]
    edge_rows, candidate_rows, merge_rows = executor.write_steps(steps)
    done = {("edge", r["product_id"], r["tag_id"]) for r in edge_rows}
    done |= {("candidate", r["tag_id"]) for r in candidate_rows}
    done |= {("merge", r["candidate_id"], r["into_id"]) for r in merge_rows}
    not_applied = [
        NotApplied(index, "no such product or tag")
        for index, row in edges
        if ("edge", row["product_id"], row["tag_id"]) not in done
    ]
    not_applied += [
        NotApplied(index, "no candidate entity with this id")
        for index, row in candidates
        if ("candidate", row["tag_id"]) not in done
    ]
    not_applied += [
        NotApplied(index, "no candidate with this id, or no active entity of its kind with into_id")
        for index, row in merges
        if ("merge", row["candidate_id"], row["into_id"]) not in done
    ]
    not_applied.sort(key=lambda item: item.index)
    return DecisionsOutcome(reviewer, len(decisions) - len(not_applied), not_applied)

"""Review decisions: human facts on product tags and candidate entities that no model changes.

The one write path of every decision, whether it comes from the API, a test or a benchmark.

Semantics of a batch:

- It is refused whole (:class:`DecisionConflictError`) when it contradicts itself: one edge
  approved and rejected, one candidate decided two ways (accepted and rejected, merged into two
  entities), or an edge decided on a candidate the same batch rejects or merges.
- Candidate decisions run first, then merges, then edge decisions, in one transaction: a batch
  may accept a candidate and approve edges to it.
- Each decision is applied exactly once, even when several reviewers decide the same thing at
  once (the statements lock what they decide on before reading it). A decision that would
  change nothing is reported, not applied: the edge already records it, the candidate was
  already decided, an item repeats an earlier one of the batch.
- An edge to a candidate that is not yet accepted may be rejected but not approved (accept or
  merge the candidate first); an edge to a rejected or merged tag takes no decision.
- Every applied decision is kept in the graph as a ``(:Decision)`` with what it changed, under
  the batch's id: :mod:`taggraph.core.decision_log` reads the history and undoes a batch.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from taggraph.errors import InvalidRequestError
from taggraph.graph.connection import GraphExecutor

Action = Literal["approve", "reject", "merge"]

REASONS = {
    "unknown": "no such product or tag",
    "not_active": "the tag is not active: accept or merge the candidate first",
    "unchanged": "a person already made this decision on this edge",
    "decided": "the candidate was already decided",
    "no_target": "no active entity of the candidate's kind has into_id",
}


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

    @property
    def on_edge(self) -> bool:
        """Whether it decides a product's tag rather than a candidate entity."""
        return self.product_id is not None and self.action != "merge"


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
    batch: str


class DecisionConflictError(InvalidRequestError):
    """A batch contradicts itself; nothing of it was applied.

    Attributes:
        conflicts: Pairs of batch positions that contradict each other.

    """

    def __init__(self, conflicts: list[tuple[int, int]], decisions: Sequence[Decision]) -> None:
        self.conflicts = conflicts
        shown = "; ".join(
            f"items {first} and {second} decide {decisions[first].tag_id!r} differently"
            for first, second in conflicts[:10]
        )
        more = f" (and {len(conflicts) - 10} more)" if len(conflicts) > 10 else ""
        super().__init__(f"the batch contradicts itself, nothing was applied: {shown}{more}")


def conflicts_in(decisions: Sequence[Decision]) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """The contradicting pairs of a batch, and each repeated item with the item it repeats."""
    first_of: dict[tuple[str, ...], tuple[int, Decision]] = {}
    conflicts: list[tuple[int, int]] = []
    repeats: dict[int, int] = {}
    for index, decision in enumerate(decisions):
        key = (
            ("edge", decision.product_id or "", decision.tag_id)
            if decision.on_edge
            else ("candidate", decision.tag_id)
        )
        earlier = first_of.setdefault(key, (index, decision))
        if earlier[0] == index:
            continue
        if earlier[1] == decision:
            repeats[index] = earlier[0]
        else:
            conflicts.append((earlier[0], index))
    for index, decision in enumerate(decisions):
        candidate = first_of.get(("candidate", decision.tag_id))
        if decision.on_edge and candidate is not None and candidate[1].action in ("reject", "merge"):
            conflicts.append((candidate[0], index))
    return sorted(conflicts), repeats


def apply_decisions(
    executor: GraphExecutor, decisions: Sequence[Decision], reviewer: str
) -> DecisionsOutcome:
    """Apply a batch of decisions in one transaction, recorded with ``reviewer``.

    Approving or rejecting a product's tag makes the edge ``{source: 'human'}``: no model run or
    catalog re-ingest changes it afterwards. See the module's docstring for the batch rules.

    Args:
        executor: The graph.
        decisions: The decisions, in the order given.
        reviewer: Who decided (the API key's client name).

    Raises:
        DecisionConflictError: If the batch contradicts itself.

    """
    conflicts, repeats = conflicts_in(decisions)
    if conflicts:
        raise DecisionConflictError(conflicts, decisions)
    candidates: list[dict[str, Any]] = []
    merges: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for index, decision in enumerate(decisions):
        if index in repeats:
            continue
        status = "approved" if decision.action == "approve" else "rejected"
        row = {"index": index, "reviewer": reviewer, "action": decision.action}
        if decision.action == "merge":
            merges.append({**row, "candidate_id": decision.tag_id, "into_id": decision.into_id})
        elif decision.on_edge:
            edges.append(
                {**row, "product_id": decision.product_id, "tag_id": decision.tag_id, "status": status}
            )
        else:
            candidate_status = "active" if status == "approved" else status
            candidates.append({**row, "tag_id": decision.tag_id, "status": candidate_status})
    batch = uuid.uuid4().hex
    steps = [
        ("write/candidate_decision", {"rows": candidates, "batch": batch}),
        ("write/merge_candidate", {"rows": merges, "batch": batch}),
        ("write/tag_decision", {"rows": edges, "batch": batch}),
    ]
    outcomes = [row for rows in executor.write_steps(steps) for row in rows]
    not_applied = [NotApplied(index, f"repeats item {earlier}") for index, earlier in repeats.items()]
    not_applied += [
        NotApplied(row["index"], REASONS[row["outcome"]]) for row in outcomes if row["outcome"] != "applied"
    ]
    not_applied.sort(key=lambda item: item.index)
    return DecisionsOutcome(reviewer, len(decisions) - len(not_applied), not_applied, batch)

"""Review: the queue of proposed tags and candidate entities, and the decisions on them."""

from typing import Annotated

from fastapi import APIRouter, Query

from taggraph.api.deps import ServiceDep, within
from taggraph.api.schemas import DecisionsRequest, DecisionsResult, NotApplied, ReviewQueue
from taggraph.api.security import Reviewer

router = APIRouter(prefix="/v1/review", tags=["review"])


@router.get("/queue", response_model=ReviewQueue)
def review_queue(
    service: ServiceDep,
    _: Reviewer,
    kind: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]+$", examples=["colour"])] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
) -> ReviewQueue:
    """Proposed tags, least confident first, and candidate entities, likeliest duplicates first."""
    limit = within(limit, service.settings.max_page_size, "limit")
    return ReviewQueue(
        proposals=service.executor.read("read/review_proposals", kind=kind, limit=limit),
        candidates=service.executor.read("read/review_candidates", kind=kind, limit=limit),
    )


@router.post("/decisions", response_model=DecisionsResult)
def post_decisions(request: DecisionsRequest, service: ServiceDep, reviewer: Reviewer) -> DecisionsResult:
    """Apply decisions in one transaction, recorded with the key's client name as reviewer.

    Approving or rejecting a product's tag makes the edge ``{source: 'human'}``: no model run
    or catalog re-ingest changes it afterwards. Without ``product_id``, approve makes a
    candidate entity an active tag and reject drops it with its proposals. ``merge`` makes the
    candidate's names aliases of ``into_id`` and moves its proposals there.
    """
    edges, candidates, merges = [], [], []
    for index, decision in enumerate(request.decisions):
        status = "approved" if decision.action == "approve" else "rejected"
        if decision.action == "merge":
            merges.append((index, {"candidate_id": decision.tag_id, "into_id": decision.into_id}))
        elif decision.product_id is not None:
            edges.append(
                (index, {"product_id": decision.product_id, "tag_id": decision.tag_id, "status": status})
            )
        else:
            candidates.append(
                (index, {"tag_id": decision.tag_id, "status": "active" if status == "approved" else status})
            )
    steps = [
        (name, {"rows": [{**row, "reviewer": reviewer.name} for _, row in group]})
        for name, group in (
            ("write/tag_decision", edges),
            ("write/candidate_decision", candidates),
            ("write/merge_candidate", merges),
        )
    ]
    edge_rows, candidate_rows, merge_rows = service.executor.write_steps(steps)
    done = {("edge", r["product_id"], r["tag_id"]) for r in edge_rows}
    done |= {("candidate", r["tag_id"]) for r in candidate_rows}
    done |= {("merge", r["candidate_id"], r["into_id"]) for r in merge_rows}
    not_applied = []
    for index, row in edges:
        if ("edge", row["product_id"], row["tag_id"]) not in done:
            not_applied.append(NotApplied(index=index, reason="no such product or tag"))
    for index, row in candidates:
        if ("candidate", row["tag_id"]) not in done:
            not_applied.append(NotApplied(index=index, reason="no candidate entity with this id"))
    for index, row in merges:
        if ("merge", row["candidate_id"], row["into_id"]) not in done:
            reason = "no candidate with this id, or no active entity of its kind with into_id"
            not_applied.append(NotApplied(index=index, reason=reason))
    not_applied.sort(key=lambda item: item.index)
    return DecisionsResult(
        reviewer=reviewer.name, applied=len(request.decisions) - len(not_applied), not_applied=not_applied
    )

"""Review: the queue of proposed tags and candidate entities, and the decisions on them."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from taggraph.api.deps import Count, GateDep, ServiceDep, within
from taggraph.api.schemas import DecisionsRequest, DecisionsResult, ReviewQueue
from taggraph.api.security import Reviewer
from taggraph.core.decisions import Decision, apply_decisions
from taggraph.core.review import review_queue

router = APIRouter(prefix="/v1/review", tags=["review"])


@router.get("/queue", response_model=ReviewQueue)
async def get_review_queue(
    service: ServiceDep,
    gate: GateDep,
    _: Reviewer,
    kind: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]+$", examples=["colour"])] = None,
    limit: Annotated[Count, Query(ge=1, le=10_000)] = 50,
) -> ReviewQueue:
    """Proposed tags, least confident first, and candidate entities, likeliest duplicates first."""
    limit = within(limit, service.settings.api.max_page_size, "limit")
    queue = await gate.run(review_queue, service.executor, kind, limit)
    return ReviewQueue.model_validate(vars(queue))


@router.post("/decisions", response_model=DecisionsResult)
async def post_decisions(
    request: DecisionsRequest, service: ServiceDep, gate: GateDep, reviewer: Reviewer, http: Request
) -> DecisionsResult:
    """Apply decisions in one transaction, recorded with the key's client name as reviewer.

    Approving or rejecting a product's tag makes the edge ``{source: 'human'}``: no model run
    or catalog re-ingest changes it afterwards. Without ``product_id``, approve makes a
    candidate entity an active tag and reject drops it with its proposals. ``merge`` makes the
    candidate's names aliases of ``into_id`` and moves its proposals there. Recommendations
    see the decisions once the in-memory catalog is read again, which starts at once.
    """
    decisions = [Decision(**decision.model_dump()) for decision in request.decisions]
    outcome = await gate.run(apply_decisions, service.executor, decisions, reviewer.name)
    http.app.state.catalog_changed.set()
    return DecisionsResult.model_validate(outcome)

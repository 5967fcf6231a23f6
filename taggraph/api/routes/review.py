"""Review: the queue of proposed tags and candidate entities, decisions on them, history and undo."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from taggraph.api.deps import Count, GateDep, ServiceDep, within
from taggraph.api.schemas import (
    ID_PATTERN,
    DecisionHistory,
    DecisionsRequest,
    DecisionsResult,
    ReviewQueue,
    UndoResult,
)
from taggraph.api.security import Reviewer
from taggraph.core.decision_log import decision_history, undo_latest
from taggraph.core.decisions import Decision, apply_decisions
from taggraph.core.review import QueueFilters, review_queue

router = APIRouter(prefix="/v1/review", tags=["review"])
Name = Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Id = Annotated[str | None, Query(min_length=1, max_length=200, pattern=ID_PATTERN)]
Score = Annotated[float | None, Query(ge=0.0, le=1.0)]


@router.get("/queue", response_model=ReviewQueue)
async def get_review_queue(
    service: ServiceDep,
    gate: GateDep,
    _: Reviewer,
    kind: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]+$", examples=["colour"])] = None,
    source: Name = None,
    model: Name = None,
    min_score: Score = None,
    max_score: Score = None,
    product_source: Name = None,
    category_id: Id = None,
    limit: Annotated[Count, Query(ge=1, le=10_000)] = 50,
) -> ReviewQueue:
    """Proposed tags, least confident first, and candidate entities, likeliest duplicates first.

    Proposals can be restricted by tag kind, proposing source and model, score range, the
    product's catalog source and category (with every category below it).
    """
    limit = within(limit, service.settings.api.max_page_size, "limit")
    filters = QueueFilters(kind, source, model, min_score, max_score, product_source, category_id)
    queue = await gate.run(review_queue, service.executor, filters, limit)
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


@router.post("/undo", response_model=UndoResult)
async def post_undo(service: ServiceDep, gate: GateDep, reviewer: Reviewer, http: Request) -> UndoResult:
    """Undo the caller's newest batch of decisions that is not undone yet.

    Each edge goes back to exactly what it was before the decision; a candidate is a candidate
    again with its proposals. A decision superseded since, or whose edge someone changed since,
    is left as it is and listed with why.
    """
    outcome = await gate.run(undo_latest, service.executor, reviewer.name)
    http.app.state.catalog_changed.set()
    return UndoResult.model_validate(outcome)


@router.get("/history", response_model=DecisionHistory)
async def get_history(
    service: ServiceDep,
    gate: GateDep,
    _: Reviewer,
    product_id: Id = None,
    reviewer: Id = None,
    tag_id: Id = None,
    limit: Annotated[Count, Query(ge=1, le=10_000)] = 50,
) -> DecisionHistory:
    """Review decisions newest first, of a product, a reviewer, a tag or any of them.

    Each says who decided what and when, what the edge was before, and who superseded or
    undid it.
    """
    limit = within(limit, service.settings.api.max_page_size, "limit")
    rows = await gate.run(
        decision_history,
        service.executor,
        product_id=product_id,
        reviewer=reviewer,
        tag_id=tag_id,
        limit=limit,
    )
    return DecisionHistory.model_validate({"decisions": rows})

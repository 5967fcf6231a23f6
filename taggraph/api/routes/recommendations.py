"""Recommendations for a user, seed products or tags; one at a time or in a batch."""

from fastapi import APIRouter

from taggraph.api.deps import AnswersDep, GateDep, ServiceDep, within
from taggraph.api.schemas import (
    BatchedRecommendations,
    RecommendationBatch,
    RecommendationRequest,
    Recommendations,
)
from taggraph.api.security import Reader
from taggraph.core.recommendations import Filters, RecommendationQuery, recommend_batch, recommend_for
from taggraph.core.service import Service

router = APIRouter(prefix="/v1", tags=["recommendations"])


def query_of(request: RecommendationRequest, service: Service) -> RecommendationQuery:
    """The core query of a request body, ``k`` checked against the configured limit."""
    return RecommendationQuery(
        user_id=request.user_id,
        product_ids=tuple(request.product_ids),
        tags=tuple(request.tags),
        k=within(request.k, service.settings.api.max_k, "k"),
        filters=Filters(**request.filters.model_dump()),
    )


@router.post("/recommendations", response_model=Recommendations)
async def post_recommendations(
    request: RecommendationRequest, service: ServiceDep, gate: GateDep, answers: AnswersDep, _: Reader
) -> Recommendations:
    """Products for a user, seed products or tags, best first, each with its reasons.

    A ``user_id`` is ``<source>:<the source's user id>``; it is hashed with the ingest key to
    find the user, whose recent products become the seeds (and are never recommended back).
    When the next-item model is loaded (``taggraph gnn recommender``) and no tags are asked
    for, it ranks from the user's latest products (and the seed products): ``method`` is
    ``model`` and ``model`` its run id. Otherwise products are ranked by the tags they share
    with the seeds and by co-interaction (``graph``, or ``fallback`` for a user the model knows
    no product of). An unknown user gets recommendations from the other seeds only.
    """
    answer = await gate.run(recommend_for, service, query_of(request, service))
    answers.answered(answer.method)
    return Recommendations.model_validate(answer)


@router.post("/recommendations/batch", response_model=BatchedRecommendations)
async def post_recommendation_batch(
    batch: RecommendationBatch, service: ServiceDep, gate: GateDep, answers: AnswersDep, _: Reader
) -> BatchedRecommendations:
    """Up to 100 recommendation queries, each answered as ``POST /v1/recommendations`` would.

    Every answer of a batch comes from the model loaded when the batch began, even when a newer
    one is loaded meanwhile. The batch has the graph timeout once per query.
    """
    queries = [query_of(request, service) for request in batch.queries]
    seconds = service.settings.api.neo4j_timeout_s * len(queries)
    results = await gate.run_for(seconds, recommend_batch, service, queries)
    for answer in results:
        answers.answered(answer.method)
    return BatchedRecommendations.model_validate({"answers": results})

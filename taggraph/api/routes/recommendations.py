"""Recommendations for a user, seed products or tags; one at a time or in a batch."""

from fastapi import APIRouter

from taggraph.api.deps import AnswersDep, ServiceDep, in_memory, in_worker_thread, within
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
    request: RecommendationRequest, service: ServiceDep, answers: AnswersDep, _: Reader
) -> Recommendations:
    """Products for a user, seed products or tags, best first, each with its reasons.

    A ``user_id`` is ``<source>:<the source's user id>``; it is hashed with the ingest key to
    find the user, whose products are never recommended back. When the next-item model is
    loaded (``taggraph gnn recommender``) and no tags are asked for, it ranks from the user's
    latest products (and the seed products): ``method`` is ``model``. Seed products are
    answered with item-to-item scores (the model's next-item probability, co-interaction,
    shared tags, category and brand, popularity, weighted as fit on held-out interactions);
    tags with the probability that a product carries every one of them times a popularity
    prior. ``model`` is the run id whenever the next-item model took part. Answers come from
    the catalog held in memory, read again whenever the graph changes.
    """
    answer = await in_memory(recommend_for, service, query_of(request, service))
    answers.answered(answer.method)
    return Recommendations.model_validate(answer)


@router.post("/recommendations/batch", response_model=BatchedRecommendations)
async def post_recommendation_batch(
    batch: RecommendationBatch, service: ServiceDep, answers: AnswersDep, _: Reader
) -> BatchedRecommendations:
    """Up to 100 recommendation queries, each answered as ``POST /v1/recommendations`` would.

    Every answer of a batch comes from the catalog and model served when the batch began, even
    when newer ones are loaded meanwhile.
    """
    queries = [query_of(request, service) for request in batch.queries]
    results = await in_worker_thread(recommend_batch, service, queries)
    for answer in results:
        answers.answered(answer.method)
    return BatchedRecommendations.model_validate({"answers": results})

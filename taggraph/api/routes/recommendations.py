"""Recommendations for a user, seed products or tags."""

from fastapi import APIRouter

from taggraph.api.deps import GateDep, ServiceDep, within
from taggraph.api.schemas import RecommendationRequest, Recommendations
from taggraph.api.security import Reader
from taggraph.core.recommendations import Filters, RecommendationQuery, recommend_for

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post("/recommendations", response_model=Recommendations)
async def post_recommendations(
    request: RecommendationRequest, service: ServiceDep, gate: GateDep, _: Reader
) -> Recommendations:
    """Products for a user, seed products or tags, best first, each with its reasons.

    A ``user_id`` is ``<source>:<the source's user id>``; it is hashed with the ingest key to
    find the user, whose recent products become the seeds (and are never recommended back).
    When the next-item model is loaded (``taggraph gnn recommender``) and no tags are asked
    for, it ranks from the user's latest products (and the seed products); otherwise, and for
    a user it knows no product of, products are ranked by the tags they share with the seeds
    and by co-interaction. An unknown user gets recommendations from the other seeds only
    (none without them).
    """
    query = RecommendationQuery(
        user_id=request.user_id,
        product_ids=tuple(request.product_ids),
        tags=tuple(request.tags),
        k=within(request.k, service.settings.api.max_k, "k"),
        filters=Filters(**request.filters.model_dump()),
    )
    return Recommendations.model_validate({"results": await gate.run(recommend_for, service, query)})

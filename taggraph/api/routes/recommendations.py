"""Recommendations for a user, seed products or tags."""

from fastapi import APIRouter

from taggraph.api.deps import ServiceDep, within
from taggraph.api.recommend import Seeds, recommend, user_seeds
from taggraph.api.schemas import RecommendationRequest, Recommendations
from taggraph.api.security import Reader

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post("/recommendations", response_model=Recommendations)
def post_recommendations(request: RecommendationRequest, service: ServiceDep, _: Reader) -> Recommendations:
    """Products ranked by the tags they share with the seeds and by co-interaction, with reasons.

    A ``user_id`` is ``<source>:<the source's user id>``; it is hashed with the ingest key to
    find the user, whose recent products become the seeds (and are never recommended back).
    An unknown user gets recommendations from the other seeds only (none without them).
    """
    k = within(request.k, service.settings.max_k, "k")
    seeds = Seeds(
        product_ids=list(dict.fromkeys(request.product_ids)), tags=list(dict.fromkeys(request.tags))
    )
    if request.user_id is not None:
        history = user_seeds(service.executor, service.graph_user_id(request.user_id))
        seeds.product_ids = list(dict.fromkeys([*history, *seeds.product_ids]))
        seeds.history = set(history)
    return Recommendations(results=recommend(service.executor, seeds, k, request.filters))

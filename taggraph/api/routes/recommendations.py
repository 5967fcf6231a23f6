"""Recommendations for a user, seed products or tags."""

from fastapi import APIRouter

from taggraph.api.deps import ServiceDep, within
from taggraph.api.recommend import Seeds, recommend, recommend_next, user_seeds
from taggraph.api.schemas import RecommendationRequest, Recommendations
from taggraph.api.security import Reader

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post("/recommendations", response_model=Recommendations)
def post_recommendations(request: RecommendationRequest, service: ServiceDep, _: Reader) -> Recommendations:
    """Products for a user, seed products or tags, best first, each with its reasons.

    A ``user_id`` is ``<source>:<the source's user id>``; it is hashed with the ingest key to
    find the user, whose recent products become the seeds (and are never recommended back).
    When the next-item model is loaded (``taggraph gnn recommender``) and no tags are asked
    for, it ranks from the user's latest products (and the seed products); otherwise, and for
    a user it knows no product of, products are ranked by the tags they share with the seeds
    and by co-interaction. An unknown user gets recommendations from the other seeds only
    (none without them).
    """
    k = within(request.k, service.settings.max_k, "k")
    seeds = Seeds(
        product_ids=list(dict.fromkeys(request.product_ids)), tags=list(dict.fromkeys(request.tags))
    )
    if request.user_id is not None:
        history = user_seeds(service.executor, service.graph_user_id(request.user_id))
        seeds.product_ids = list(dict.fromkeys([*history, *seeds.product_ids]))
        seeds.history = set(history)
        recommender = service.models.recommender if service.models is not None else None
        if recommender is not None and not seeds.tags:
            latest = list(dict.fromkeys([*request.product_ids, *history]))
            ranked = recommend_next(service.executor, recommender, latest, seeds.history, k, request.filters)
            if ranked is not None:
                return Recommendations(results=ranked)
    return Recommendations(results=recommend(service.executor, seeds, k, request.filters))

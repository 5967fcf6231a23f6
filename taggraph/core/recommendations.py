"""Ranked products for a user, seed products or tags, each with the graph path behind it."""

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from taggraph.core.loaded_models import LoadedRecommender
from taggraph.core.service import Service
from taggraph.graph.connection import GraphExecutor

SCAN = 100
SEED_TAGS = 2
HISTORY = 50
CANDIDATES = 500  # model-ranked products per filter query
CANDIDATE_PAGES = 4


ReasonKind = Literal["shared_tag", "same_category", "same_brand", "co_interaction", "embedding", "next_item"]


@dataclass
class Reason:
    """Why a product was returned: the graph path that produced it.

    Attributes:
        kind: ``shared_tag``, ``same_category``, ``same_brand``, ``co_interaction``,
            ``embedding`` or ``next_item``.
        via: The tag, category, brand or seed product the path goes through, the vector index,
            or the next-item model's run id.
        path: The path in Cypher notation.

    """

    kind: ReasonKind
    via: str
    path: str


@dataclass
class ScoredProduct:
    """A product in a ranked answer, with the reasons it is there."""

    id: str
    name: str | None
    score: float
    reasons: list[Reason]
    price: float | None = None


@dataclass(frozen=True)
class Filters:
    """Restrictions on recommended products: category (or an ancestor), brand, price range."""

    category_id: str | None = None
    brand_id: str | None = None
    min_price: float | None = None
    max_price: float | None = None


@dataclass(frozen=True)
class RecommendationQuery:
    """Whom or what to recommend for.

    Attributes:
        user_id: ``<source>:<the source's user id>``, hashed with the pseudonym key to find the user.
        product_ids: Seed products.
        tags: Tags asked for.
        k: How many products to return.
        filters: Restrictions on the products.

    """

    user_id: str | None = None
    product_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    k: int = 10
    filters: Filters = Filters()


Method = Literal["model", "graph", "fallback"]


@dataclass
class Recommendation:
    """An answer and how it was made.

    Attributes:
        results: The products, best first.
        method: ``model`` (ranked by the next-item model), ``graph`` (shared tags and
            co-interaction), or ``fallback`` (the graph, because the model knows none of the
            user's products).
        model: Run id of the model that ranked, None for the graph.

    """

    results: list[ScoredProduct]
    method: Method
    model: str | None = None


def recommend_for(service: Service, query: RecommendationQuery) -> Recommendation:
    """Products for a user, seed products or tags, with the model loaded now (:func:`recommend_with`)."""
    return recommend_with(service, current_recommender(service), query)


def recommend_batch(service: Service, queries: list[RecommendationQuery]) -> list[Recommendation]:
    """Each query answered as :func:`recommend_for` would, all with the model loaded when it began."""
    recommender = current_recommender(service)
    return [recommend_with(service, recommender, query) for query in queries]


def current_recommender(service: Service) -> LoadedRecommender | None:
    """The next-item model the service answers with now, if one is loaded."""
    return service.models.recommender if service.models is not None else None


def recommend_with(
    service: Service, recommender: LoadedRecommender | None, query: RecommendationQuery
) -> Recommendation:
    """Products for a user, seed products or tags, best first, each with its reasons.

    A user's recent products become seeds (and are never recommended back). When the
    next-item model is loaded and no tags are asked for, it ranks from the user's latest
    products (and the seed products); otherwise, and for a user it knows no product of,
    products are ranked by the tags they share with the seeds and by co-interaction. An
    unknown user gets recommendations from the other seeds only (none without them).

    Args:
        service: The service.
        recommender: The next-item model to rank with (None: the graph alone); a batch passes the
            one it started with to every query, so its answers never mix two models.
        query: What to recommend for.

    """
    seeds = Seeds(product_ids=list(dict.fromkeys(query.product_ids)), tags=list(dict.fromkeys(query.tags)))
    method: Method = "graph"
    if query.user_id is not None:
        history = user_seeds(service.executor, service.graph_user_id(query.user_id))
        seeds.product_ids = list(dict.fromkeys([*history, *seeds.product_ids]))
        seeds.history = set(history)
        if recommender is not None and not seeds.tags:
            latest = list(dict.fromkeys([*query.product_ids, *history]))
            ranked = recommend_next(
                service.executor, recommender, latest, seeds.history, query.k, query.filters
            )
            if ranked is not None:
                return Recommendation(ranked, "model", recommender.run_id)
            method = "fallback"
    return Recommendation(recommend(service.executor, seeds, query.k, query.filters), method)


@dataclass
class Seeds:
    """What a recommendation starts from.

    Attributes:
        product_ids: Seed products (a user's recent products, or those asked about).
        tags: Tags asked for.
        history: The seed products that are the user's own interactions.

    """

    product_ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    history: set[str] = field(default_factory=set)


def user_seeds(executor: GraphExecutor, graph_user_id: str) -> list[str]:
    """The products a user interacted with, most recent first."""
    rows = executor.read("read/user_history", user_id=graph_user_id, limit=HISTORY)
    return [row["id"] for row in rows]


def recommend(executor: GraphExecutor, seeds: Seeds, k: int, filters: Filters) -> list[ScoredProduct]:
    """Rank products by shared tags and by co-interaction, each scaled to 1 at its best, summed.

    Args:
        executor: The graph.
        seeds: Seed products and tags.
        k: How many products to return.
        filters: Category (the product's category or an ancestor), brand and price range.

    Returns:
        Up to ``k`` products, best first, never a seed product.

    """
    window = {
        "k": k * 2,
        "scan": SCAN,
        "exclude": seeds.product_ids,
        **asdict(filters),
    }
    seed_tags = (
        executor.read("read/seed_product_tags", seed_ids=seeds.product_ids) if seeds.product_ids else []
    )
    weights: dict[str, float] = {row["id"]: float(row["seeds"]) for row in seed_tags}
    via_seed = {row["id"]: row["seed"] for row in seed_tags}
    for tag in seeds.tags:
        weights[tag] = weights.get(tag, 0.0) + 1.0
    by_tags = (
        executor.read(
            "read/products_for_tags",
            tags=[{"id": tag, "weight": weight} for tag, weight in weights.items()],
            seed_tags=SEED_TAGS,
            **window,
        )
        if weights
        else []
    )
    by_users = (
        executor.read("read/co_interacted_products", seed_ids=seeds.product_ids, **window)
        if seeds.product_ids
        else []
    )
    ranked: dict[str, dict[str, Any]] = {}
    for rows, reasons in (
        (
            by_tags,
            lambda row: [
                _tag_reason(tag, via_seed.get(tag), row["id"], seeds.history) for tag in row["shared_tags"]
            ],
        ),
        (by_users, lambda row: [_co_reason(row["seed"], row["id"], seeds.history)]),
    ):
        best = max((row["score"] for row in rows), default=0.0) or 1.0
        for row in rows:
            entry = ranked.setdefault(
                row["id"],
                {"id": row["id"], "name": row["name"], "price": row["price"], "score": 0.0, "reasons": []},
            )
            entry["score"] += row["score"] / best
            entry["reasons"].extend(reasons(row))
    order = sorted(ranked.values(), key=lambda entry: (-entry["score"], entry["id"]))
    return [ScoredProduct(**entry) for entry in order[:k]]


def recommend_next(
    executor: GraphExecutor,
    recommender: LoadedRecommender,
    latest: list[str],
    history: set[str],
    k: int,
    filters: Filters,
) -> list[ScoredProduct] | None:
    """Rank products by the next-item model from a user's latest products (newest first).

    Args:
        executor: The graph, for the filters and the products' names.
        recommender: The loaded model.
        latest: The user's products, newest first (and any seed products asked about).
        history: Which of ``latest`` are the user's own interactions.
        k: How many products to return.
        filters: Category, brand and price range, applied to the model's best candidates.

    Returns:
        Up to ``k`` products with their probability under the model, never one of ``latest``;
        None when the model knows none of ``latest`` (the caller falls back to the graph).

    """
    known = [recommender.index[product] for product in latest if product in recommender.index]
    if not known:
        return None
    scores = recommender.ranker.scores([known])[0]
    scores[known] = -1.0
    order = np.argsort(-scores, kind="stable")
    newest = next(product for product in latest if product in recommender.index)
    reason = Reason(
        kind="next_item",
        via=recommender.run_id,
        path=_start(newest, history),
    )
    results: list[ScoredProduct] = []
    for page in range(CANDIDATE_PAGES):
        candidates = [
            recommender.product_ids[i]
            for i in order[page * CANDIDATES : (page + 1) * CANDIDATES]
            if scores[i] >= 0.0
        ]
        if not candidates:
            break
        rows = executor.read("read/products_in_order", ids=candidates, k=k - len(results), **asdict(filters))
        for row in rows:
            probability = float(scores[recommender.index[row["id"]]])
            results.append(ScoredProduct(**row, score=probability, reasons=[reason]))
        if len(results) >= k:
            break
    return results


def _start(seed: str, history: set[str]) -> str:
    product = f"(:Product {{id: {seed!r}}})"
    return f"(:User)-[:INTERACTED]->{product}" if seed in history else product


def _tag_reason(tag: str, seed: str | None, product: str, history: set[str]) -> Reason:
    end = f"<-[:HAS_TAG]-(:Product {{id: {product!r}}})"
    if seed is None:
        return Reason(kind="shared_tag", via=tag, path=f"(:Tag {{id: {tag!r}}}){end}")
    return Reason(
        kind="shared_tag", via=tag, path=f"{_start(seed, history)}-[:HAS_TAG]->(:Tag {{id: {tag!r}}}){end}"
    )


def _co_reason(seed: str, product: str, history: set[str]) -> Reason:
    path = f"{_start(seed, history)}<-[:INTERACTED]-(:User)-[:INTERACTED]->(:Product {{id: {product!r}}})"
    return Reason(kind="co_interaction", via=seed, path=path)

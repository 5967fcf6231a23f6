"""Ranked products for a user, seed products or tags, each with the graph path behind it.

Every query is answered from the in-memory catalog (:mod:`taggraph.core.catalog_index`) with
the scores of :mod:`taggraph.core.ranking`:
- a user: the next-item model from the user's latest products (``method: model``); without a
  model, or for a user it knows no product of, the item-to-item scores of those products
  (``graph`` or ``fallback``);
- seed products: the item-to-item fusion of the model's next-item probability, co-interaction,
  shared tags, category and brand, and popularity, weighted as fit on validation (``graph``,
  with the model's run id when the model took part);
- tags: the probability that a product carries every asked tag times a popularity prior
  (``graph``); with seed products or a user too, the item-to-item scores of those seeds rank
  the products that carry the tags.
"""

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from taggraph.core.catalog_index import CatalogIndex, Filters
from taggraph.core.ranking import (
    SEEDS,
    ItemFusion,
    ModelView,
    item_scores,
    popularity_prior,
    tag_scores,
    top,
    top_of,
)
from taggraph.core.service import Service, Serving

__all__ = ["Filters", "Reason", "Recommendation", "RecommendationQuery", "ScoredProduct", "recommend_for"]

ReasonKind = Literal[
    "shared_tag", "same_category", "same_brand", "co_interaction", "embedding", "next_item", "popularity"
]
REASON_FEATURES = 3
"""Shared tags, category or brand named as reasons per product."""


@dataclass
class Reason:
    """Why a product was returned: the graph path that produced it.

    Attributes:
        kind: ``shared_tag``, ``same_category``, ``same_brand``, ``co_interaction``,
            ``embedding``, ``next_item`` or ``popularity``.
        via: The tag, category, brand or seed product the path goes through, the embedding, or
            the next-item model's run id.
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
        method: ``model`` (ranked by the next-item model), ``graph`` (item-to-item fusion or tag
            probability), or ``fallback`` (item-to-item, because the model knows none of the
            user's products).
        model: Run id of the next-item model when it took part in the ranking, else None.

    """

    results: list[ScoredProduct]
    method: Method
    model: str | None = None


def recommend_for(service: Service, query: RecommendationQuery) -> Recommendation:
    """Products for a user, seed products or tags, from the catalog and model served now."""
    return recommend_with(service, service.current_serving(), query)


def recommend_batch(service: Service, queries: list[RecommendationQuery]) -> list[Recommendation]:
    """Each query answered as :func:`recommend_for` would, all from the catalog and model of its start.

    The queries the next-item model answers share one forward pass.
    """
    serving = service.current_serving()
    seeds = [_seeds(service, serving.catalog, query) for query in queries]
    latest = [_model_latest(serving, query, seed) for query, seed in zip(queries, seeds, strict=True)]
    asked = [i for i, products in enumerate(latest) if products]
    next_items: dict[int, np.ndarray] = {}
    if serving.model is not None and asked:
        rows = serving.model.next_items([latest[i] for i in asked])
        next_items = dict(zip(asked, rows, strict=True))
    return [
        _answer(serving, query, seeds[i], latest[i], next_items.get(i)) for i, query in enumerate(queries)
    ]


@dataclass
class Seeds:
    """What a recommendation starts from, as catalog positions.

    Attributes:
        products: Seed products, newest first (a user's latest products, then those asked about).
        history: The seed products that are the user's own interactions.
        latest: The asked products, then the user's latest interactions as they came (repeats
            kept): what the next-item model reads.

    """

    products: list[int] = field(default_factory=list)
    history: set[int] = field(default_factory=set)
    latest: list[int] = field(default_factory=list)


def recommend_with(service: Service, serving: Serving, query: RecommendationQuery) -> Recommendation:
    """Products for a user, seed products or tags, best first, each with its reasons.

    A user's products are never recommended back, nor are seed products. An unknown user
    gets recommendations from the other seeds only (none without them).

    Args:
        service: The service (for the pseudonymiser).
        serving: The catalog and model to answer with; a batch passes the one it started with
            to every query, so its answers never mix two.
        query: What to recommend for.

    """
    seeds = _seeds(service, serving.catalog, query)
    return _answer(serving, query, seeds, _model_latest(serving, query, seeds), None)


def _answer(
    serving: Serving,
    query: RecommendationQuery,
    seeds: Seeds,
    latest: list[int],
    next_items: np.ndarray | None,
) -> Recommendation:
    """:func:`recommend_with` for known seeds; ``next_items`` when a batch computed them already."""
    catalog, model = serving.catalog, serving.model
    allowed = catalog.allowed(query.filters)
    if query.tags:
        return _by_tags(catalog, model, seeds, query, allowed)
    if model is not None and latest:
        probabilities = next_items if next_items is not None else model.next_items([latest])[0]
        chosen = top_of(model.positions, probabilities, query.k, seeds.products, allowed)
        reason = Reason("next_item", model.run_id, _start(catalog, latest[0], seeds.history))
        return Recommendation(
            [_scored(catalog, p, score, [reason]) for p, score in chosen], "model", model.run_id
        )
    method: Method = "fallback" if query.user_id is not None and model is not None else "graph"
    if not seeds.products:
        return Recommendation([], method)
    results, parts = rank_items(catalog, model, seeds, query.k, allowed)
    return Recommendation(results, method, run_of(model, parts))


def _seeds(service: Service, catalog: CatalogIndex, query: RecommendationQuery) -> Seeds:
    """The user's latest products and the asked ones, as catalog positions."""
    history = catalog.histories.get(service.graph_user_id(query.user_id), []) if query.user_id else []
    asked = catalog.positions(query.product_ids)
    return Seeds(list(dict.fromkeys([*history, *asked])), set(history), [*asked, *history])


def _model_latest(serving: Serving, query: RecommendationQuery, seeds: Seeds) -> list[int]:
    """The products the next-item model starts from, newest first; empty if it does not answer.

    The model answers a query with a user and no tags when it knows one of the asked products or
    the user's latest ones.
    """
    if query.user_id is None or query.tags or serving.model is None:
        return []
    return serving.model.knows(seeds.latest)


def related(catalog: CatalogIndex, model: ModelView | None, seeds: Seeds) -> tuple[np.ndarray, list[str]]:
    """Item-to-item scores of the latest :data:`SEEDS` seeds, with the model's fusion weights."""
    fusion = model.fusion if model is not None else ItemFusion()
    return item_scores(catalog, model, seeds.products[:SEEDS], fusion)


def run_of(model: ModelView | None, parts: list[str]) -> str | None:
    """The next-item model's run id when its part took part in the scores."""
    return model.run_id if model is not None and "model" in parts else None


def rank_items(
    catalog: CatalogIndex, model: ModelView | None, seeds: Seeds, k: int, allowed: np.ndarray | None
) -> tuple[list[ScoredProduct], list[str]]:
    """The ``k`` best products by the item-to-item scores of the latest :data:`SEEDS` seeds.

    Returns:
        The products with their reasons, and the parts the scores fused.

    """
    scores, parts = related(catalog, model, seeds)
    chosen = top(scores, k, seeds.products, allowed)
    paths = SeedPaths.of(catalog, seeds)
    results = [
        _scored(catalog, p, float(scores[p]), item_reasons(catalog, model, paths, p, parts)) for p in chosen
    ]
    return results, parts


def _by_tags(
    catalog: CatalogIndex,
    model: ModelView | None,
    seeds: Seeds,
    query: RecommendationQuery,
    allowed: np.ndarray | None,
) -> Recommendation:
    """Products likeliest to carry every asked tag; seeds, when given, also weigh their relatedness."""
    exponent = model.popularity_exponent if model is not None else 0.0
    positions, scores = tag_scores(catalog, list(query.tags), popularity_prior(catalog, exponent))
    parts: list[str] = []
    if seeds.products and len(positions):
        relatedness, parts = related(catalog, model, seeds)
        scores = scores * (1.0 + relatedness[positions])
    chosen = top_of(positions, scores, query.k, seeds.products, allowed)
    paths = SeedPaths.of(catalog, seeds) if parts else None
    results = []
    for position, score in chosen:
        reasons = [
            Reason("shared_tag", tag, f"(:Tag {{id: {tag!r}}})<-[:HAS_TAG]-{_product(catalog, position)}")
            for tag in dict.fromkeys(query.tags)
        ]
        if paths is not None:
            reasons += item_reasons(catalog, model, paths, position, parts)
        results.append(_scored(catalog, position, score, reasons))
    return Recommendation(results, "graph", run_of(model, parts))


@dataclass
class SeedPaths:
    """What the reasons of an answer need of its seeds, gathered once for all its products.

    Attributes:
        seeds: The seeds.
        used: The latest :data:`SEEDS` seed products, whose item-to-item scores ranked.
        features: Per used seed, the feature columns it carries.

    """

    seeds: Seeds
    used: list[int]
    features: list[set[int]]

    @classmethod
    def of(cls, catalog: CatalogIndex, seeds: Seeds) -> "SeedPaths":
        """The paths' view of ``seeds``."""
        used = seeds.products[:SEEDS]
        return cls(seeds, used, [catalog.feature_columns(seed) for seed in used])


def item_reasons(
    catalog: CatalogIndex, model: ModelView | None, paths: SeedPaths, product: int, parts: list[str]
) -> list[Reason]:
    """The graph paths from the seeds to ``product`` behind its item-to-item score.

    The next-item model (when it scored), a user who took a seed and the product, up to
    :data:`REASON_FEATURES` tags, category or brand shared with the first seed that shares any
    (rarest first), and the embedding when it scored; popularity when nothing else relates them.
    """
    reasons: list[Reason] = []
    used, history = paths.used, paths.seeds.history
    if model is not None and "model" in parts:
        newest = model.knows(used)[0]
        reasons.append(Reason("next_item", model.run_id, _start(catalog, newest, history)))
    co_seed = next((s for s in used if catalog.co_interacted(s, product)), None)
    if co_seed is not None:
        via_user = "<-[:INTERACTED]-(:User)-[:INTERACTED]->"
        path = f"{_start(catalog, co_seed, history)}{via_user}{_product(catalog, product)}"
        reasons.append(Reason("co_interaction", catalog.product_ids[co_seed], path))
    for seed, columns in zip(used, paths.features, strict=True):
        shared = catalog.shared_features(columns, product)[:REASON_FEATURES]
        for kind, feature in shared:
            reasons.append(_feature_reason(catalog, kind, feature, seed, product, history))
        if shared:
            break
    if "embedding" in parts and catalog.embeddings is not None and catalog.embeddings[product].any():
        similarity = float(catalog.embeddings[product] @ catalog.embeddings[used].mean(axis=0))
        reasons.append(Reason("embedding", "product_embedding", f"embedding similarity {similarity:.3f}"))
    if not reasons:
        count = int(catalog.popularity[product])
        reasons.append(
            Reason(
                "popularity", f"{count} interactions", f"(:User)-[:INTERACTED]->{_product(catalog, product)}"
            )
        )
    return reasons


def _scored(catalog: CatalogIndex, position: int, score: float, reasons: list[Reason]) -> ScoredProduct:
    price = catalog.prices[position]
    return ScoredProduct(
        id=catalog.product_ids[position],
        name=catalog.names[position],
        score=score,
        reasons=reasons,
        price=None if np.isnan(price) else float(price),
    )


def _product(catalog: CatalogIndex, position: int) -> str:
    return f"(:Product {{id: {catalog.product_ids[position]!r}}})"


def _start(catalog: CatalogIndex, seed: int, history: set[int]) -> str:
    product = _product(catalog, seed)
    return f"(:User)-[:INTERACTED]->{product}" if seed in history else product


RELATION = {
    "tag": ("HAS_TAG", "Tag", "shared_tag"),
    "category": ("IN_CATEGORY", "Category", "same_category"),
    "brand": ("HAS_BRAND", "Brand", "same_brand"),
}


def _feature_reason(
    catalog: CatalogIndex, kind: str, feature: str, seed: int, product: int, history: set[int]
) -> Reason:
    relation, label, reason = RELATION[kind]
    middle = f"-[:{relation}]->(:{label} {{id: {feature!r}}})<-[:{relation}]-"
    return Reason(reason, feature, f"{_start(catalog, seed, history)}{middle}{_product(catalog, product)}")  # type: ignore[arg-type]

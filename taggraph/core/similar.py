"""Products like one product: shared tags, category and brand, joined by GNN embeddings once built."""

import json
from dataclasses import dataclass
from typing import Any, Literal

from taggraph.core.recommendations import Reason, ScoredProduct
from taggraph.core.service import Service
from taggraph.errors import NotFoundError
from taggraph.graph.connection import GraphExecutor

SCAN = 50


@dataclass
class SimilarProducts:
    """Products like one product, most alike first.

    Attributes:
        method: ``shared_tags``, or ``shared_tags+embedding`` once ``taggraph embed`` has run.
        precomputed: Whether the shared-tag part came from the lists ``taggraph graph similar``
            wrote (as the graph was then) rather than from the graph now.
        results: The products.

    """

    method: Literal["shared_tags", "shared_tags+embedding"]
    precomputed: bool
    results: list[ScoredProduct]


def similar_rows(executor: GraphExecutor, product_id: str, k: int) -> list[dict[str, Any]]:
    """The ``k`` products most like ``product_id`` by shared tags, category and brand."""
    return executor.read("read/similar_products", product_id=product_id, k=k, scan=SCAN)


def similar_products(service: Service, product_id: str, k: int) -> SimilarProducts:
    """The ``k`` products most like ``product_id``.

    Shared tags, category and brand are read from the lists `taggraph graph similar` writes
    when they hold ``k`` products, computed from the graph otherwise. Once ``taggraph embed``
    has run, the nearest products by GNN embedding join them: each part's score is scaled to 1
    at its best and the two are summed.

    Raises:
        NotFoundError: If no product has this id.

    """
    executor = service.executor
    stored = executor.read("read/similar_list", product_id=product_id)
    if not stored:
        raise NotFoundError("no such product")
    precomputed = bool(stored[0]["similar"]) and (stored[0]["k"] or 0) >= k
    rows = json.loads(stored[0]["similar"])[:k] if precomputed else similar_rows(executor, product_id, k)
    results = {row["id"]: _scored(product_id, row) for row in rows}
    if not service.has_product_embeddings():
        return SimilarProducts("shared_tags", precomputed, list(results.values()))
    best = max((result.score for result in results.values()), default=1.0) or 1.0
    for result in results.values():
        result.score /= best
    for row in executor.read("read/similar_products_by_embedding", product_id=product_id, k=k):
        result = results.setdefault(row["id"], ScoredProduct(row["id"], row["name"], 0.0, []))
        result.score += row["score"]
        path = f"vector index product_embedding, similarity {row['score']:.3f}"
        result.reasons.append(Reason("embedding", "product_embedding", path))
    ranked = sorted(results.values(), key=lambda result: (-result.score, result.id))[:k]
    return SimilarProducts("shared_tags+embedding", precomputed, ranked)


def _scored(product_id: str, row: dict[str, Any]) -> ScoredProduct:
    ends = f"(:Product {{id: {product_id!r}}})", f"(:Product {{id: {row['id']!r}}})"
    reasons = [
        Reason("shared_tag", tag, f"{ends[0]}-[:HAS_TAG]->(:Tag {{id: {tag!r}}})<-[:HAS_TAG]-{ends[1]}")
        for tag in row["shared_tags"]
    ]
    if row["category_id"]:
        category = row["category_id"]
        path = f"{ends[0]}-[:IN_CATEGORY]->(:Category {{id: {category!r}}})<-[:IN_CATEGORY]-{ends[1]}"
        reasons.append(Reason("same_category", category, path))
    if row["brand_id"]:
        brand = row["brand_id"]
        path = f"{ends[0]}-[:HAS_BRAND]->(:Brand {{id: {brand!r}}})<-[:HAS_BRAND]-{ends[1]}"
        reasons.append(Reason("same_brand", brand, path))
    return ScoredProduct(row["id"], row["name"], row["score"], reasons)

"""Products: details, tags with provenance, similar products."""

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from taggraph.api.deps import ProductIdPath, ServiceDep, within
from taggraph.api.schemas import HARD_MAX_K, Product, ProductTags, Reason, ScoredProduct, SimilarProducts
from taggraph.api.security import Reader
from taggraph.graph.reader import product, product_tags
from taggraph.jobs.similar import similar_rows

router = APIRouter(prefix="/v1/products", tags=["products"])
NOT_FOUND = {404: {"description": "No product has this id."}}


@router.get("/{product_id}", response_model=Product, responses=NOT_FOUND)
def get_product(product_id: ProductIdPath, service: ServiceDep, _: Reader) -> Product:
    """A product with its category path and brand."""
    row = product(service.executor, product_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such product")
    return Product(
        **{key: row["product"].get(key) for key in ("id", "name", "description", "source", "price")},
        category_path=row["category_path"] or [],
        category_ids=row["category_ids"] or [],
        brand=row["brand"],
        brand_id=row["brand_id"],
    )


@router.get("/{product_id}/tags", response_model=ProductTags, responses=NOT_FOUND)
def get_product_tags(product_id: ProductIdPath, service: ServiceDep, _: Reader) -> ProductTags:
    """Every tag of a product with its provenance: source, status, score, model, surface form."""
    rows = product_tags(service.executor, product_id)
    if not rows and product(service.executor, product_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such product")
    return ProductTags(product_id=product_id, tags=rows)


@router.get("/{product_id}/similar", response_model=SimilarProducts, responses=NOT_FOUND)
def get_similar(
    product_id: ProductIdPath,
    service: ServiceDep,
    _: Reader,
    k: Annotated[int, Query(ge=1, le=HARD_MAX_K)] = 10,
) -> SimilarProducts:
    """Products sharing the most (and the rarest) tags, the category and the brand of this one.

    Read from the lists `taggraph graph similar` writes when they hold ``k`` products, computed
    from the graph otherwise.

    Once ``taggraph embed`` has run, the nearest products by GNN embedding join them: each
    source's score is scaled to 1 at its best and the two are summed.
    """
    k = within(k, service.settings.max_k, "k")
    stored = service.executor.read("read/similar_list", product_id=product_id)
    if not stored:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such product")
    precomputed = bool(stored[0]["similar"]) and (stored[0]["k"] or 0) >= k
    rows = (
        json.loads(stored[0]["similar"])[:k] if precomputed else similar_rows(service.executor, product_id, k)
    )
    results = {row["id"]: _scored(product_id, row) for row in rows}
    if not service.has_product_embeddings():
        return SimilarProducts(
            product_id=product_id,
            method="shared_tags",
            precomputed=precomputed,
            results=list(results.values()),
        )
    best = max((result.score for result in results.values()), default=1.0) or 1.0
    for result in results.values():
        result.score /= best
    for row in service.executor.read("read/similar_products_by_embedding", product_id=product_id, k=k):
        result = results.setdefault(
            row["id"], ScoredProduct(id=row["id"], name=row["name"], score=0.0, reasons=[])
        )
        result.score += row["score"]
        path = f"vector index product_embedding, similarity {row['score']:.3f}"
        result.reasons.append(Reason(kind="embedding", via="product_embedding", path=path))
    ranked = sorted(results.values(), key=lambda result: (-result.score, result.id))[:k]
    return SimilarProducts(
        product_id=product_id, method="shared_tags+embedding", precomputed=precomputed, results=ranked
    )


def _scored(product_id: str, row: dict) -> ScoredProduct:
    ends = f"(:Product {{id: {product_id!r}}})", f"(:Product {{id: {row['id']!r}}})"
    reasons = [
        Reason(
            kind="shared_tag",
            via=tag,
            path=f"{ends[0]}-[:HAS_TAG]->(:Tag {{id: {tag!r}}})<-[:HAS_TAG]-{ends[1]}",
        )
        for tag in row["shared_tags"]
    ]
    if row["category_id"]:
        category = row["category_id"]
        path = f"{ends[0]}-[:IN_CATEGORY]->(:Category {{id: {category!r}}})<-[:IN_CATEGORY]-{ends[1]}"
        reasons.append(Reason(kind="same_category", via=category, path=path))
    if row["brand_id"]:
        brand = row["brand_id"]
        path = f"{ends[0]}-[:HAS_BRAND]->(:Brand {{id: {brand!r}}})<-[:HAS_BRAND]-{ends[1]}"
        reasons.append(Reason(kind="same_brand", via=brand, path=path))
    return ScoredProduct(id=row["id"], name=row["name"], score=row["score"], reasons=reasons)

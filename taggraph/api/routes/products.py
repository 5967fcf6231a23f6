"""Products: details, tags with provenance, similar products."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from taggraph.api.deps import Count, GateDep, ProductIdPath, ServiceDep, in_memory, within
from taggraph.api.schemas import HARD_MAX_K, Product, ProductTags, SimilarProducts
from taggraph.api.security import Reader
from taggraph.core.products import product_details, tags_of_product
from taggraph.core.similar import similar_products, unknown_to_catalog

router = APIRouter(prefix="/v1/products", tags=["products"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No product has this id."}}


@router.get("/{product_id}", response_model=Product, responses=NOT_FOUND)
async def get_product(product_id: ProductIdPath, service: ServiceDep, gate: GateDep, _: Reader) -> Product:
    """A product with its category path and brand."""
    return Product(**await gate.run(product_details, service.executor, product_id))


@router.get("/{product_id}/tags", response_model=ProductTags, responses=NOT_FOUND)
async def get_product_tags(
    product_id: ProductIdPath, service: ServiceDep, gate: GateDep, _: Reader
) -> ProductTags:
    """Every tag of a product with its provenance: source, status, score, model, surface form."""
    rows = await gate.run(tags_of_product, service.executor, product_id)
    return ProductTags.model_validate({"product_id": product_id, "tags": rows})


@router.get("/{product_id}/similar", response_model=SimilarProducts, responses=NOT_FOUND)
async def get_similar(
    product_id: ProductIdPath,
    service: ServiceDep,
    gate: GateDep,
    _: Reader,
    k: Annotated[Count, Query(ge=1, le=HARD_MAX_K)] = 10,
) -> SimilarProducts:
    """Products like this one, ranked as ``POST /v1/recommendations`` ranks for one seed product.

    The scores fuse the next-item model's probability after this product, co-interaction, the
    tags, category and brand they share (rarer ones counting more, proposals by their
    probability) and popularity, with weights fit on held-out interactions; each result names
    the graph paths behind it.
    """
    similar = await in_memory(
        similar_products, service, product_id, within(k, service.settings.api.max_k, "k")
    )
    if similar is None:
        similar = await gate.run(unknown_to_catalog, service.executor, product_id)
    return SimilarProducts.model_validate({"product_id": product_id, **vars(similar)})

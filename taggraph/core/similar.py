"""Products like one product: the item-to-item scores recommendations for seed products use."""

from dataclasses import dataclass

from taggraph.core.recommendations import ScoredProduct, Seeds, rank_items, run_of
from taggraph.core.service import Service
from taggraph.errors import NotFoundError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product


@dataclass
class SimilarProducts:
    """Products like one product, most alike first.

    Attributes:
        parts: What the scores fused (``model``, ``co_interaction``, ``features``,
            ``popularity``, ``embedding``; see :data:`taggraph.core.ranking.ITEM_PARTS`).
        model: Run id of the next-item model when it took part, else None.
        results: The products.

    """

    parts: list[str]
    model: str | None
    results: list[ScoredProduct]


def similar_products(service: Service, product_id: str, k: int) -> SimilarProducts | None:
    """The ``k`` products most like ``product_id``, as ``product_ids: [product_id]`` would rank them.

    Returns:
        The products, or None when the catalog in memory does not hold ``product_id`` (no such
        product, or one added since the catalog was read: see :func:`unknown_to_catalog`).

    """
    serving = service.current_serving()
    catalog, model = serving.catalog, serving.model
    position = catalog.position.get(product_id)
    if position is None:
        return None
    results, parts = rank_items(catalog, model, Seeds([position]), k, None)
    return SimilarProducts(parts, run_of(model, parts), results)


def unknown_to_catalog(executor: GraphExecutor, product_id: str) -> SimilarProducts:
    """The answer for a product the catalog in memory lacks: none like it yet, if the graph has it.

    Raises:
        NotFoundError: If no product has this id.

    """
    if product(executor, product_id) is None:
        raise NotFoundError("no such product")
    return SimilarProducts([], None, [])

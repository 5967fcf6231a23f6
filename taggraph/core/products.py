"""A product as the service shows it: details with category path and brand, tags with provenance."""

from typing import Any

from taggraph.errors import NotFoundError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product, product_tags

PRODUCT_FIELDS = ("id", "name", "description", "source", "price")


def product_details(executor: GraphExecutor, product_id: str) -> dict[str, Any]:
    """A product's fields, its category path (root first) with the categories' ids, and its brand.

    Raises:
        NotFoundError: If no product has this id.

    """
    row = product(executor, product_id)
    if row is None:
        raise NotFoundError("no such product")
    return {
        **{key: row["product"].get(key) for key in PRODUCT_FIELDS},
        "category_path": row["category_path"] or [],
        "category_ids": row["category_ids"] or [],
        "brand": row["brand"],
        "brand_id": row["brand_id"],
    }


def tags_of_product(executor: GraphExecutor, product_id: str) -> list[dict[str, Any]]:
    """Every tag of a product with its provenance: source, status, score, model, surface form.

    Raises:
        NotFoundError: If no product has this id.

    """
    rows = product_tags(executor, product_id)
    if not rows and product(executor, product_id) is None:
        raise NotFoundError("no such product")
    return rows

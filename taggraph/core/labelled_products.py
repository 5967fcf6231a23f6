"""Products as the graph holds them, for learning and scoring: text, labels and split."""

import bisect
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from taggraph.graph.connection import GraphExecutor

Split = Literal["train", "validation", "test"]
CATEGORY_LEVELS = 3


@dataclass(frozen=True)
class LabelledProduct:
    """A product with its text, positive labels, labels a person rejected and its leaf category."""

    id: str
    text: str
    positives: frozenset[str]
    negatives: frozenset[str]
    category: str = ""

    @property
    def split(self) -> Split:
        """Deterministic split by the hash of the native id: 70% train, 10% validation, 20% test."""
        return split_of(self.id)


def split_of(product_id: str) -> Split:
    """The split of a product (``<source>:<native id>``) by the hash of its native id.

    70% train, 10% validation, 20% test; the same for a product in every job and export.
    """
    native_id = product_id.split(":", 1)[1]
    bucket = int(hashlib.sha1(native_id.encode()).hexdigest(), 16) % 10
    return "train" if bucket < 7 else "validation" if bucket == 7 else "test"


def product_text(name: str | None, description: str | None, with_description: bool) -> str:
    """The text a product is tagged from: its name, and its description when asked."""
    parts = [name or ""]
    if with_description and description:
        parts.append(description)
    return " . ".join(part for part in parts if part).strip()


def labels_of(row: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Positive and negative ``kind:value`` labels of one product row.

    Tags give ``<kind>:<name>``; the category path gives ``category_1`` to ``category_3``; the
    brand gives ``brand``.
    """
    positives = {f"{tag['kind']}:{tag['name']}" for tag in row["tags"] if tag["status"] == "approved"}
    negatives = {f"{tag['kind']}:{tag['name']}" for tag in row["tags"] if tag["status"] == "rejected"}
    for level, name in enumerate((row.get("category_path") or [])[:CATEGORY_LEVELS], start=1):
        positives.add(f"category_{level}:{name}")
    if row.get("brand"):
        positives.add(f"brand:{row['brand']}")
    return positives - negatives, negatives


def read_labelled_products(
    executor: GraphExecutor,
    source: str,
    with_description: bool,
    *,
    after: str = "",
    since: Any = None,
    ids: list[str] | None = None,
    page_size: int = 5000,
    reviewed: bool = True,
    labels: bool = True,
) -> Iterator[list[LabelledProduct]]:
    """Yield a source's products in id order, a page at a time; a text may be empty.

    Args:
        executor: Executor on the graph.
        source: Product source, such as ``myntra``.
        with_description: Whether the text includes the description.
        after: Start after this product id.
        since: Only products whose text changed after this datetime (ignored with ``ids``).
        ids: Only these product ids (those not in the graph, or of another source, are left out).
        page_size: Products per read.
        reviewed: Whether people's decisions count (approved tags as positives, rejected ones
            as negatives); without them only catalog tags do.
        labels: Whether to read labels and the category; without, only the text is read (a
            lighter query, for scoring).

    """
    wanted = sorted(set(ids)) if ids is not None else None
    while True:
        if wanted is not None:
            start = bisect.bisect_right(wanted, after)
            page_ids = wanted[start : start + page_size]
            last = page_ids[-1] if page_ids else after
        else:
            rows = executor.read(
                "read/product_id_page", source=source, after=after, since=since, limit=page_size
            )
            page_ids = [row["id"] for row in rows]
            last = page_ids[-1] if page_ids else after
        if not page_ids:
            return
        if labels:
            rows = executor.read("read/labelled_products", source=source, ids=page_ids, reviewed=reviewed)
        else:
            rows = executor.read("read/product_texts", source=source, ids=page_ids)
        page = []
        for row in rows:
            positives, negatives = labels_of(row) if labels else (set(), set())
            text = product_text(row["name"], row["description"], with_description)
            category = (row.get("category_path") or [""])[-1] or ""
            page.append(
                LabelledProduct(row["id"], text, frozenset(positives), frozenset(negatives), category)
            )
        if page:
            yield page
        after = last

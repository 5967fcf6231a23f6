"""Buffers accepted records and writes them to the graph in batches, checkpointing each batch."""

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from taggraph.graph.writer import BatchWriter
from taggraph.jobs.checkpoint import Checkpoint
from taggraph.jobs.ingest.records import CategoryRef, InteractionRecord, ProductRecord, Record


class GraphSink:
    """Takes records in input order and writes them, a batch at a time, to the graph.

    A batch is one transaction of the statements of :func:`batch_steps`. After it commits,
    the count of records written so far is checkpointed. Given a checkpoint from an
    interrupted run, the first records (already written) are skipped.

    A batch is written on a writer thread while the next one is read and built, so parsing
    overlaps Neo4j's work. At most one batch is in flight and each starts after the one before
    it committed; a failed batch raises in the caller at the next batch or at :meth:`finish`.
    Used as a context manager, leaving waits for the batch in flight to commit or fail.

    Args:
        writer: The batched writer.
        checkpoint: Where progress is kept.
        batch_size: Records per batch.

    """

    def __init__(self, writer: BatchWriter, checkpoint: Checkpoint, batch_size: int) -> None:
        self._writer = writer
        self._checkpoint = checkpoint
        self._batch_size = batch_size
        self._writing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._in_flight: Future[None] | None = None
        self.skip = int(checkpoint.load(0))
        self.received = 0
        self.written = self.skip
        self._products: list[ProductRecord] = []
        self._interactions: list[InteractionRecord] = []
        self._categories_written: set[str] = set()

    def __repr__(self) -> str:
        return f"GraphSink(written={self.written}, batch_size={self._batch_size})"

    def __enter__(self) -> "GraphSink":
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        self._writing.shutdown(wait=True)
        if error_type is None:
            self._wait()

    def add(self, record: Record) -> None:
        """Take one record; writes a batch when the buffer is full."""
        self.received += 1
        if self.received <= self.skip:
            return
        if isinstance(record, ProductRecord):
            self._products.append(record)
        else:
            self._interactions.append(record)
        if len(self._products) + len(self._interactions) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        """Hand what is buffered to the writer thread, once the batch before it has committed.

        Raises:
            Exception: What the write of the batch before it raised.

        """
        count = len(self._products) + len(self._interactions)
        if count == 0:
            return
        steps = batch_steps(self._products, self._interactions, self._new_categories())
        self._products.clear()
        self._interactions.clear()
        self._wait()
        self._in_flight = self._writing.submit(self._write, steps, count)

    def finish(self) -> None:
        """Write the rest, wait for it, and remove the checkpoint: the ingest is complete."""
        self.flush()
        self._wait()
        self._checkpoint.clear()

    def _write(self, steps: list[tuple[str, list[dict[str, Any]]]], count: int) -> None:
        self._writer.write_together(steps)
        self.written += count
        self._checkpoint.save(self.written)

    def _wait(self) -> None:
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            in_flight.result()

    def _new_categories(self) -> list[dict[str, Any]]:
        rows = [row for row in category_rows(self._products) if row["id"] not in self._categories_written]
        self._categories_written.update(row["id"] for row in rows)
        return rows


def batch_steps(
    products: list[ProductRecord],
    interactions: list[InteractionRecord],
    categories: list[dict[str, Any]],
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The statements and rows that write one batch, in the order they must run.

    Entities first (new categories, tags, brands), then products, the removal of catalog
    facts their rows no longer state, their edges, and interactions.

    Args:
        products: Product records of the batch.
        interactions: Interaction records of the batch.
        categories: Rows of categories not written before, parents first.

    Returns:
        ``(statement name, rows)`` pairs.

    """
    return [
        ("write/categories", categories),
        ("write/tags", _distinct(_tag_rows(products))),
        ("write/brands", _distinct(_brand_rows(products))),
        ("write/products", [_product_row(product) for product in products]),
        ("write/product_stale_edges", [_facts_row(product) for product in products]),
        ("write/product_categories", _category_edges(products)),
        ("write/product_brands", _brand_edges(products)),
        ("write/product_tags", _tag_edges(products)),
        ("write/interactions", [_interaction_row(i) for i in interactions]),
    ]


def category_rows(products: list[ProductRecord]) -> list[dict[str, Any]]:
    """Rows of every category on the paths of ``products``, parents first, without repeats."""
    rows = [_category_row(c) for p in products if p.category for c in p.category.lineage()]
    return _distinct(rows)


def _category_row(category: CategoryRef) -> dict[str, Any]:
    parent = category.parent
    return {
        "id": category.id,
        "name": category.name,
        "level": category.level,
        "source": category.source,
        "parent_id": parent.id if parent else None,
    }


def _product_row(product: ProductRecord) -> dict[str, Any]:
    return {
        "id": product.id,
        "props": {
            "source": product.source,
            "name": product.name,
            "description": product.description,
            "price": product.price,
            "year": product.year,
        },
    }


def _facts_row(product: ProductRecord) -> dict[str, Any]:
    return {
        "id": product.id,
        "category_id": product.category.id if product.category else None,
        "brand_id": product.brand.id if product.brand else None,
        "tag_ids": [tag.id for tag in product.tags],
    }


def _distinct(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first row of each id: the first spelling read names an entity, whatever the batch size."""
    first: dict[str, dict[str, Any]] = {}
    for row in rows:
        first.setdefault(row["id"], row)
    return list(first.values())


def _tag_rows(products: list[ProductRecord]) -> list[dict[str, Any]]:
    return [{"id": t.id, "name": t.name, "kind": t.kind} for p in products for t in p.tags]


def _brand_rows(products: list[ProductRecord]) -> list[dict[str, Any]]:
    return [{"id": p.brand.id, "name": p.brand.name} for p in products if p.brand]


def _category_edges(products: list[ProductRecord]) -> list[dict[str, Any]]:
    return [{"product_id": p.id, "category_id": p.category.id} for p in products if p.category]


def _brand_edges(products: list[ProductRecord]) -> list[dict[str, Any]]:
    return [{"product_id": p.id, "brand_id": p.brand.id} for p in products if p.brand]


def _tag_edges(products: list[ProductRecord]) -> list[dict[str, Any]]:
    return [{"product_id": p.id, "tag_id": t.id} for p in products for t in p.tags]


def _interaction_row(interaction: InteractionRecord) -> dict[str, Any]:
    return {
        "user_id": interaction.user_id,
        "product_id": interaction.product_id,
        "source": interaction.product_source,
        "ts": interaction.ts,
        "kind": interaction.kind,
        "weight": interaction.weight,
    }

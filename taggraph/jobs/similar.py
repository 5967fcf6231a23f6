"""Similar-product lists computed ahead of time, so the API reads them instead of computing them."""

import json
from collections.abc import Callable
from datetime import UTC, datetime

from taggraph.core.similar import similar_rows
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.runs import record_run


def build_similar_lists(
    executor: GraphExecutor,
    k: int = 20,
    page_size: int = 1000,
    on_page: Callable[[int], None] | None = None,
) -> int:
    """Write every product's ``k`` most similar products to the product (property ``similar``).

    Lists reflect the graph when they are built: run again after ingests and tagging runs.

    Returns:
        Products written.

    """
    run_id = f"similar-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    written, after = 0, ""
    while True:
        page = [
            row["id"]
            for row in executor.read("read/export_products", after=after, limit=page_size, sources=None)
        ]
        if not page:
            break
        rows = [{"id": pid, "similar": json.dumps(similar_rows(executor, pid, k))} for pid in page]
        executor.write("write/similar_lists", rows=rows, k=k, run=run_id)
        written += len(page)
        after = page[-1]
        if on_page is not None:
            on_page(len(page))
    record_run(executor, run_id, "similar-lists", status="finished", products=written, k=k)
    return written

"""Ingest throughput: the batched writer on the full Myntra and Flipkart files, and a naive
writer (one statement per transaction) on a 2,000-row slice, in one run against an empty graph.

Usage (empties the configured database first, so it asks for --clear):
    python bench/ingest.py --clear [--data ../shared/data/catalog]
Prints a table and writes bench/results/ingest.json.
"""

import argparse
import json
import os
import platform
import resource
import sys
import time
from itertools import islice
from pathlib import Path

from taggraph.core.identity import Pseudonymiser
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.reader import graph_stats
from taggraph.graph.schema import apply_schema, clear_graph
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.records import ProductRecord
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sink import batch_steps, category_rows
from taggraph.jobs.ingest.sources.base import Source, SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.settings import Settings

RESULTS = Path(__file__).parent / "results" / "ingest.json"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batched_run(executor: GraphExecutor, source: Source, path: Path, work: Path, batch: int) -> dict:
    before = graph_stats(executor)
    report = run_ingest(source, path, BatchWriter(executor, batch), work / "rejects", work / "state", batch)
    after = graph_stats(executor)
    relationships = after.relationship_total - before.relationship_total
    return {
        "writer": f"batched (UNWIND, {batch} rows a transaction)",
        "file": path.name,
        "rows": report.input,
        "products": report.products,
        "relationships": relationships,
        "seconds": report.seconds,
        "products_per_s": report.products / report.seconds,
        "relationships_per_s": relationships / report.seconds,
    }


def naive_run(executor: GraphExecutor, source: Source, path: Path, rows: int) -> dict:
    """One statement per transaction: every node and edge of a product is its own commit."""
    records = [
        record
        for row in islice(source.rows(path), rows)
        for record in row.records
        if isinstance(record, ProductRecord)
    ]
    before = graph_stats(executor)
    started = time.perf_counter()
    for record in records:
        for name, step_rows in batch_steps([record], [], category_rows([record])):
            for step_row in step_rows:
                executor.write(name, rows=[step_row])
    seconds = time.perf_counter() - started
    relationships = graph_stats(executor).relationship_total - before.relationship_total
    return {
        "writer": "naive (one statement a transaction)",
        "file": f"{path.name}[:{rows}]",
        "rows": rows,
        "products": len(records),
        "relationships": relationships,
        "seconds": seconds,
        "products_per_s": len(records) / seconds,
        "relationships_per_s": relationships / seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clear", action="store_true", help="empty the configured database first")
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/catalog"
    )
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--naive-rows", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/taggraph-bench-ingest"))
    args = parser.parse_args()
    if not args.clear:
        parser.error("this benchmark empties the configured database: pass --clear")
    settings = Settings().neo4j
    context = SourceContext(Pseudonymiser(b"benchmark-key-0123456789abcdef"))
    results = []
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        apply_schema(executor)
        clear_graph(executor)
        started = time.perf_counter()
        results.append(
            batched_run(
                executor, MyntraSource(context), args.data / "myntra_styles.csv", args.work, args.batch_size
            )
        )
        results.append(
            batched_run(
                executor, FlipkartSource(context), args.data / "flipkart_20k.csv", args.work, args.batch_size
            )
        )
        total_seconds = time.perf_counter() - started
        clear_graph(executor)
        results.append(
            naive_run(executor, MyntraSource(context), args.data / "myntra_styles.csv", args.naive_rows)
        )
    products = results[0]["products"] + results[1]["products"]
    relationships = results[0]["relationships"] + results[1]["relationships"]
    summary = {
        "products_per_s_both_files": products / total_seconds,
        "relationships_per_s_both_files": relationships / total_seconds,
        "batched_over_naive_products_per_s": results[0]["products_per_s"] / results[2]["products_per_s"],
        "peak_rss_mb_python": peak_rss_mb(),
    }
    print(
        f"{'writer':<42} {'file':<26} {'products':>9} {'rels':>9} {'s':>8} {'products/s':>11} {'rels/s':>9}"
    )
    for row in results:
        print(
            f"{row['writer']:<42} {row['file']:<26} {row['products']:>9,} {row['relationships']:>9,} "
            f"{row['seconds']:>8.1f} {row['products_per_s']:>11,.0f} {row['relationships_per_s']:>9,.0f}"
        )
    for key, value in summary.items():
        print(f"{key}: {value:,.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "settings": {
                    "batch_size": args.batch_size,
                    "heap": settings.heap,
                    "pagecache": settings.pagecache,
                },
                "runs": results,
                "summary": summary,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

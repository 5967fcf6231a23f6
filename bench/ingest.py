"""Ingest throughput, both paths, in one run on the same files against the local Neo4j:

- incremental (`taggraph ingest`, UNWIND ... MERGE batches) on the full Myntra and Flipkart files,
  each into an empty graph (these and the bulk row: the median of --repeats runs, each run's
  rate beside it);
- bulk (`taggraph load`: parse, validate, write the importer's CSV tables, stop the server,
  `neo4j-admin database import full`, start it, create the schema) over Myntra + Flipkart +
  Instacart, and the importer alone on the same tables written beforehand;
- the naive writer (one statement per transaction) on a 2,000-row slice;
- a scale row: --scale synthetic products (a CSV with name, description, price, a three-level
  category, a brand and three tag kinds) and as many interactions, through both paths, with
  the time, the peak resident memory of this process and Neo4j's store size.

The benchmark empties the configured database (so it asks for --clear); it must be a local server
that `taggraph neo4j` runs, since the bulk path stops and starts it.

Usage:
    python bench/ingest.py --clear [--data ../shared/data/catalog] [--scale 1000000] [--repeats 3]
Prints a table and writes bench/results/ingest.json.
"""

import argparse
import json
import os
import platform
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import psutil

from taggraph.core.identity import Pseudonymiser
from taggraph.graph import server
from taggraph.graph.bulk_import import ImportTables, import_full
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.reader import graph_stats
from taggraph.graph.schema import apply_schema, clear_graph
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.bulk import bulk_load
from taggraph.jobs.ingest.records import ProductRecord
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sink import batch_steps, category_rows
from taggraph.jobs.ingest.sources.base import Source, SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.instacart import InstacartSource
from taggraph.jobs.ingest.sources.mapped import ColumnMapping, MappedSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from taggraph.settings import Neo4jSettings, Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import cpu_model  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "ingest.json"
SYNTHETIC_MAPPING = [
    "id=id",
    "name=name",
    "description=description",
    "price=price",
    "category=category",
    "brand=brand",
    "tag:colour=colour",
    "tag:material=material",
    "tag:season=season",
]


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """Samples this process's resident memory every 0.1 s; ``["mb"]`` holds the peak after the block."""
    process, peak, done = psutil.Process(), {"mb": 0.0}, threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak["mb"] = max(peak["mb"], process.memory_info().rss / 2**20)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def store_mb(settings: Neo4jSettings) -> float:
    """Neo4j's store and transaction logs of the database, in MiB."""
    data = settings.home / "data"
    folders = [data / "databases" / settings.database, data / "transactions" / settings.database]
    files = [path for folder in folders if folder.is_dir() for path in folder.rglob("*") if path.is_file()]
    return sum(path.stat().st_size for path in files) / 2**20


@contextmanager
def connected(settings: Neo4jSettings) -> Iterator[GraphExecutor]:
    """A driver for one run: a bulk import replaces the database and the transaction ids that a
    longer-lived driver's bookmarks would wait for."""
    with create_driver(settings) as driver:
        yield GraphExecutor.from_settings(driver, settings)


def emptied(settings: Neo4jSettings) -> None:
    with connected(settings) as executor:
        clear_graph(executor)


def incremental_run(
    settings: Neo4jSettings, inputs: list[tuple[Source, Path]], work: Path, batch: int, label: str
) -> dict:
    """``taggraph ingest`` of each input in turn into an empty graph."""
    emptied(settings)
    with connected(settings) as executor, peak_rss() as peak:
        started = time.perf_counter()
        products = 0
        for source, path in inputs:
            report = run_ingest(
                source, path, BatchWriter(executor, batch), work / "rejects", work / "state", batch
            )
            products += report.products
        seconds = time.perf_counter() - started
        relationships = graph_stats(executor).relationship_total
    return {
        "writer": f"incremental (UNWIND, {batch} rows a transaction)",
        "file": label,
        "products": products,
        "relationships": relationships,
        "seconds": seconds,
        "products_per_s": products / seconds,
        "relationships_per_s": relationships / seconds,
        "peak_rss_mb_python": peak["mb"],
    }


def bulk_run(
    settings: Neo4jSettings,
    inputs: list[tuple[Source, Path]],
    work: Path,
    threads: int,
    label: str,
) -> dict:
    """``taggraph load`` into an empty graph, then the importer alone on the tables it wrote."""
    emptied(settings)
    with peak_rss() as peak:
        report = bulk_load(settings, inputs, work / "tables", work / "rejects", threads)
    products = sum(ingest.products for ingest in report.ingests)
    server.stop(settings)
    fixed_s = importer_fixed_s(settings, work / "one-product", threads)
    started = time.perf_counter()
    import_full(settings, report.tables, threads)
    alone_s = time.perf_counter() - started
    server.start(settings)
    with connected(settings) as executor:  # the import replaced the database and its schema
        apply_schema(executor)
    return {
        "writer": f"bulk (neo4j-admin import, {threads} threads)",
        "file": label,
        "products": products,
        "relationships": report.relationships,
        "seconds": report.total_s,
        "products_per_s": products / report.total_s,
        "relationships_per_s": report.relationships / report.total_s,
        "parse_and_tables_s": report.parse_s,
        "import_s": report.import_s,
        "import_alone_s": alone_s,
        "import_alone_products_per_s": products / alone_s,
        "import_fixed_s": fixed_s,
        "parse_and_import_products_per_s": products / (report.parse_s + report.import_s),
        "restart_and_schema_s": report.total_s - report.parse_s - report.import_s,
        "peak_rss_mb_python": peak["mb"],
        "store_mb_neo4j": store_mb(settings),
    }


def importer_fixed_s(settings: Neo4jSettings, folder: Path, threads: int) -> float:
    """Seconds the importer takes over one product: its start-up and the floor of its stages."""
    with ImportTables(folder) as tables:
        tables.add("products", ("bench:1", "bench", "one", None, None, None, None))
    started = time.perf_counter()
    import_full(settings, tables, threads)
    return time.perf_counter() - started


def naive_run(settings: Neo4jSettings, source: Source, path: Path, rows: int) -> dict:
    """One statement per transaction: every node and edge of a product is its own commit."""
    emptied(settings)
    records = [
        record
        for row in islice(source.rows(path), rows)
        for record in row.records
        if isinstance(record, ProductRecord)
    ]
    with connected(settings) as executor:
        started = time.perf_counter()
        for record in records:
            for name, step_rows in batch_steps([record], [], category_rows([record])):
                for step_row in step_rows:
                    executor.write(name, rows=[step_row])
        seconds = time.perf_counter() - started
        relationships = graph_stats(executor).relationship_total
    return {
        "writer": "naive (one statement a transaction)",
        "file": f"{path.name}[:{rows}]",
        "products": len(records),
        "relationships": relationships,
        "seconds": seconds,
        "products_per_s": len(records) / seconds,
        "relationships_per_s": relationships / seconds,
    }


def first_rows(source: Path, rows: int, target: Path) -> Path:
    """The header and the first ``rows`` rows of the CSV ``source``, written to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open(encoding="utf-8") as lines:
        target.write_text("".join(islice(lines, rows + 1)), encoding="utf-8")
    return target


def synthetic_catalog(folder: Path, products: int, seed: int = 0) -> tuple[Path, Path]:
    """A CSV of ``products`` products and a sequence file of about as many interactions on them.

    Returns:
        The CSV (source name ``synth``) and the sequences (``synth.txt``, products ``synth:<id>``).

    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    words = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti") for b in "aeiouxyz"]
    colours, materials, seasons = (
        [f"c{i}" for i in range(40)],
        [f"m{i}" for i in range(25)],
        ["a", "b", "c", "d"],
    )
    catalog = folder / "synth.csv"
    with catalog.open("w", encoding="utf-8") as out:
        out.write("id,name,description,price,category,brand,colour,material,season\n")
        for item in range(products):
            name = " ".join(rng.choices(words, k=5))
            description = " ".join(rng.choices(words, k=30))
            leaf = item % 401  # a tree: each leaf under one aisle, each aisle under one department
            category = f"d{leaf % 61 % 7}>a{leaf % 61}>t{leaf}"
            out.write(
                f"{item},{name},{description},{rng.randint(1, 50_000) / 100},{category},b{item % 3001},"
                f"{rng.choice(colours)},{rng.choice(materials)},{rng.choice(seasons)}\n"
            )
    sequences = folder / "synth.txt"
    with sequences.open("w", encoding="utf-8") as out:
        for user in range(products // 10):
            out.write(f"u{user} " + " ".join(str(rng.randrange(products)) for _ in range(10)) + "\n")
    (folder / "synth_item2attributes.json").write_text("{}")
    return catalog, sequences


def scale_rows(
    settings: Neo4jSettings,
    context: SourceContext,
    work: Path,
    args: argparse.Namespace,
) -> list[dict]:
    catalog, sequences = synthetic_catalog(work / "synthetic", args.scale)
    mapped = MappedSource(context, "csv", ColumnMapping.parse(SYNTHETIC_MAPPING), "synth", ">")
    inputs: list[tuple[Source, Path]] = [(mapped, catalog), (SequenceSource(context), sequences)]
    label = f"synthetic {args.scale:,} products + interactions"
    incremental = incremental_run(settings, inputs, work / "scale-incremental", args.batch_size, label)
    incremental["store_mb_neo4j"] = store_mb(settings)
    bulk = bulk_run(settings, inputs, work / "scale-bulk", args.threads, label)  # replaces the store
    return [bulk, incremental]


def announced(step: str, call: Callable[[], dict]) -> dict:
    print(f"... {step}", flush=True)
    return call()


def median_of(step: str, repeats: int, call: Callable[[int], dict]) -> dict:
    """The run of median rate among ``repeats`` runs of ``call(repeat)``, with every run's rate.

    Rates on this shared machine vary by a third between runs minutes apart; the median of a few
    is the figure a reader can expect to see again.
    """
    runs = []
    for repeat in range(repeats):
        print(f"... {step} ({repeat + 1}/{repeats})", flush=True)
        runs.append(call(repeat))
    runs.sort(key=lambda run: run["products_per_s"])
    return runs[len(runs) // 2] | {"repeats_products_per_s": [run["products_per_s"] for run in runs]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clear", action="store_true", help="empty the configured database first")
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/catalog"
    )
    parser.add_argument("--batch-size", type=int, default=Settings().ingest.batch_size)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--naive-rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each real-file row; the median shows")
    parser.add_argument("--scale", type=int, default=1_000_000, help="synthetic products (0: no scale row)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/taggraph-bench-ingest"))
    args = parser.parse_args()
    if not args.clear:
        parser.error("this benchmark empties the configured database: pass --clear")
    settings = Settings().neo4j
    context = SourceContext(Pseudonymiser(b"benchmark-key-0123456789abcdef"))
    myntra = (MyntraSource(context), args.data / "myntra_styles.csv")
    flipkart = (FlipkartSource(context), args.data / "flipkart_20k.csv")
    instacart = (InstacartSource(context), args.data / "instacart")
    server.start(settings)
    with connected(settings) as executor:
        executor.verify()
        apply_schema(executor)
    warm_up = first_rows(myntra[1], 5000, args.work / "warm-up.csv")  # a server that has run a while
    incremental_run(settings, [(MyntraSource(context), warm_up)], args.work / "warm-up", args.batch_size, "")
    runs = [
        median_of(
            "incremental myntra",
            args.repeats,
            lambda repeat: incremental_run(
                settings, [myntra], args.work / f"myntra-{repeat}", args.batch_size, myntra[1].name
            ),
        ),
        median_of(
            "incremental flipkart",
            args.repeats,
            lambda repeat: incremental_run(
                settings, [flipkart], args.work / f"flipkart-{repeat}", args.batch_size, flipkart[1].name
            ),
        ),
        median_of(
            "bulk",
            args.repeats,
            lambda repeat: bulk_run(
                settings,
                [myntra, flipkart, instacart],
                args.work / f"bulk-{repeat}",
                args.threads,
                "myntra + flipkart + instacart",
            ),
        ),
        announced("naive", lambda: naive_run(settings, MyntraSource(context), myntra[1], args.naive_rows)),
    ]
    if args.scale:
        runs += scale_rows(settings, context, args.work, args)
    bulk = runs[2]
    summary = {
        "bulk_products_per_s": bulk["products_per_s"],
        "bulk_relationships_per_s": bulk["relationships_per_s"],
        "bulk_import_alone_products_per_s": bulk["import_alone_products_per_s"],
        "bulk_import_in_load_over_alone": bulk["import_alone_s"] / bulk["import_s"],
        "bulk_parse_and_import_products_per_s": bulk["parse_and_import_products_per_s"],
        "bulk_import_fixed_s": bulk["import_fixed_s"],
        "bulk_ceiling_products_per_s": bulk["import_alone_products_per_s"],
        "incremental_products_per_s": {run["file"]: run["products_per_s"] for run in runs[:2]},
        "bulk_over_incremental_myntra": bulk["products_per_s"] / runs[0]["products_per_s"],
        "incremental_over_naive_myntra": runs[0]["products_per_s"] / runs[3]["products_per_s"],
    }
    if args.scale:
        summary["scale_bulk_over_incremental_seconds"] = runs[5]["seconds"] / runs[4]["seconds"]
        summary["scale_bulk_products_per_s"] = runs[4]["products_per_s"]
        summary["scale_bulk_parse_and_import_products_per_s"] = runs[4]["parse_and_import_products_per_s"]
    print(f"{'writer':<42} {'file':<36} {'products':>9} {'rels':>10} {'s':>8} {'products/s':>11}")
    for row in runs:
        print(
            f"{row['writer']:<42} {row['file']:<36} {row['products']:>9,} {row['relationships']:>10,} "
            f"{row['seconds']:>8.1f} {row['products_per_s']:>11,.0f}"
        )
    print(json.dumps(summary, indent=1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version()},
                "settings": {
                    "batch_size": args.batch_size,
                    "threads": args.threads,
                    "heap": settings.heap,
                    "pagecache": settings.pagecache,
                },
                "runs": runs,
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

"""Review loop benchmark: what a batch of review decisions changes in the tagger.

A Myntra catalog with gaps: for half of the training products, the season and usage columns are
blanked before ingest (the catalog "forgot" them); their true values are kept aside as what a
reviewer knows. Then, on one graph:

1. tagger A learns from the catalog alone (`taggraph tagger train`);
2. A tags the gapped products; the review queue holds its proposals;
3. a simulated reviewer takes the queue least confident first, approving a proposal when it is
   the kept-aside value and rejecting it otherwise, in batches, through the same decision writes
   as the API (`HAS_TAG {source: 'human'}`);
4. after each batch a tagger learns with `--include-reviewed`;

every model is scored on the same held-out test split (test products have no gaps and no review).

Usage (EMPTIES the configured database; point TAGGRAPH_NEO4J_* at a scratch server):
    python bench/review_loop.py --clear [--rows 12000] [--batches 1000 4000] [--epochs 3]
Prints a table and writes bench/results/review_loop.json.
"""

import argparse
import csv
import hashlib
import io
import json
import sys
import time
from pathlib import Path

import torch

from taggraph.core.decisions import Decision, apply_decisions
from taggraph.core.identity import Pseudonymiser
from taggraph.core.vocabulary import TaggerJob
from taggraph.encoders.tagger.training import TrainingConfig
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.schema import apply_schema, clear_graph
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.tagging.evaluation import test_metrics
from taggraph.jobs.tagging.proposals import run_tagging
from taggraph.jobs.tagging.training import load_splits, train_job
from taggraph.settings import Settings

RESULTS = Path(__file__).parent / "results" / "review_loop.json"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog" / "myntra_styles.csv"
KINDS = ("gender", "article_type", "colour", "usage", "season")
GAPPED = {"season": "season", "usage": "usage"}  # tag kind -> Myntra column


def bucket(native_id: str) -> int:
    """The split bucket taggraph gives a product id (0-6 train, 7 validation, 8-9 test)."""
    return int(hashlib.sha1(native_id.encode()).hexdigest(), 16) % 10


def gapped_catalog(rows: int, out: Path) -> dict[str, dict[str, str]]:
    """Write the first ``rows`` rows with season and usage blanked for half the training products.

    Returns:
        Product id -> tag kind -> the value the catalog lost (what the reviewer knows).

    """
    with DATA.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()[: rows + 1]
    header = next(csv.reader([lines[0]]))
    hidden: dict[str, dict[str, str]] = {}
    written = [lines[0]]
    for line in lines[1:]:
        fields = next(csv.reader([line]))
        if len(fields) != len(header):
            written.append(line)  # a row with stray commas: the source joins it back, left whole
            continue
        row = dict(zip(header, fields, strict=True))
        native = row["id"]
        if bucket(native) < 7 and int(hashlib.md5(native.encode()).hexdigest(), 16) % 2 == 0:
            kept = {kind: row[column] for kind, column in GAPPED.items() if row[column]}
            if kept:
                hidden[f"myntra:{native}"] = kept
                for column in GAPPED.values():
                    row[column] = ""
        written.append(_csv_line(header, row))
    out.write_text("\n".join(written) + "\n", encoding="utf-8")
    return hidden


def _csv_line(header: list[str], row: dict[str, str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([row[name] for name in header])
    return buffer.getvalue()


def train_and_score(executor: GraphExecutor, reviewed: bool, config: TrainingConfig) -> tuple[dict, object]:
    job = TaggerJob("myntra", KINDS, include_reviewed=reviewed)
    splits = load_splits(executor, job)
    started = time.perf_counter()
    tagger, _ = train_job(splits, job, config)
    seconds = time.perf_counter() - started
    metrics = test_metrics(tagger, splits)
    metrics["train_seconds"] = seconds
    metrics["labels"] = len(splits.space)
    metrics["training_positives"] = int(splits.truth("train").sum())
    metrics["training_negatives"] = sum(len(product.negatives) for product in splits.train)
    return metrics, tagger


def review(
    executor: GraphExecutor, hidden: dict[str, dict[str, str]], budget: int, names: dict[str, tuple[str, str]]
) -> dict[str, int]:
    """Decide up to ``budget`` proposals on gapped products, least confident first."""
    queue = executor.read("read/review_proposals", kind=None, limit=1_000_000)
    decisions, counts = [], {"approved": 0, "rejected": 0}
    for row in queue:
        truth = hidden.get(row["product_id"])
        if truth is None or row["kind"] not in truth:
            continue
        kind, name = names[row["tag_id"]]
        status = "approved" if truth[kind].lower() == name.lower() else "rejected"
        decisions.append(
            Decision("approve" if status == "approved" else "reject", row["tag_id"], row["product_id"])
        )
        counts[status] += 1
        if len(decisions) == budget:
            break
    apply_decisions(executor, decisions, "bench-reviewer")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clear", action="store_true", help="Confirm: the configured database is emptied.")
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--batches", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/taggraph-bench-review"))
    args = parser.parse_args()
    if not args.clear:
        parser.error("this benchmark empties the configured database; add --clear")
    torch.set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)
    catalog = args.work / "myntra_gapped.csv"
    hidden = gapped_catalog(args.rows, catalog)
    config = TrainingConfig(epochs=args.epochs, max_length=48)
    settings = Settings().neo4j
    rows = []
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        clear_graph(executor)
        apply_schema(executor)
        source = MyntraSource(SourceContext(Pseudonymiser(b"benchmark-key-0123456789abcdef")))
        state = args.work / "state"
        run_ingest(source, catalog, BatchWriter(executor, 5000), args.work / "rejects", state, 5000)
        print(f"ingested {catalog}: {len(hidden):,} training products lost season/usage", flush=True)
        names = {
            row["id"]: (row["kind"], row["name"])
            for row in executor.read("read/tags_of_kinds", kinds=list(GAPPED))
        }
        before, tagger = train_and_score(executor, False, config)
        rows.append({"model": "A: catalog only", "decisions": 0, **before})
        print(f"A: micro-F1 {before['micro_f1']:.4f}", flush=True)
        run_tagging(executor, tagger, args.work / "tag-state", ids=sorted(hidden), page_size=500)
        decided = {"approved": 0, "rejected": 0}
        for budget in args.batches:
            batch = review(executor, hidden, budget - sum(decided.values()), names)
            decided = {status: decided[status] + batch[status] for status in decided}
            after, _ = train_and_score(executor, True, config)
            rows.append(
                {
                    "model": f"B: --include-reviewed after {sum(decided.values()):,} decisions",
                    "decisions": sum(decided.values()),
                    **decided,
                    **after,
                }
            )
            print(f"B({sum(decided.values())}): micro-F1 {after['micro_f1']:.4f}", flush=True)
    print(
        f"\n{'model':<48} {'micro-F1':>8} {'macro-F1':>8} {'mAP':>6} {'season':>7} {'usage':>7} {'+pos':>6} {'neg':>6}"
    )
    for row in rows:
        kinds = row["f1_by_kind"]
        print(
            f"{row['model']:<48} {row['micro_f1']:>8.4f} {row['macro_f1']:>8.4f} {row['map']:>6.3f} "
            f"{kinds['season']:>7.3f} {kinds['usage']:>7.3f} {row['training_positives']:>6} {row['training_negatives']:>6}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"rows": args.rows, "gapped_products": len(hidden), "epochs": args.epochs, "results": rows},
            indent=2,
            default=str,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write docs/benchmarks.md and its plots from bench/results/*.json; the document is never edited by hand.

Usage: ``python bench/report.py`` (``--results`` and ``--out`` point elsewhere). Each results
file present gets its section: tables of what its benchmark measured and, where a figure says
more, a PNG under ``docs/plots/``. A results file that is missing is named as not yet measured.
"""

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
Row = Sequence[object]


def table(header: Row, rows: Iterable[Row]) -> str:
    """A Markdown table; floats keep four decimals, integers get thousands separators."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.1f}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def validation_score(epoch: dict[str, Any], earlier_name: str) -> float:
    """An epoch report's validation score (``validation``; results files before it used ``earlier_name``)."""
    return float(epoch["validation"] if "validation" in epoch else epoch[earlier_name])


class Plots:
    """Saves figures under ``folder`` and returns their Markdown image links relative to the document."""

    def __init__(self, folder: Path, document: Path) -> None:
        self.folder = folder
        self.document = document
        folder.mkdir(parents=True, exist_ok=True)

    def save(self, name: str, title: str, draw: Callable[[Any], None]) -> str:
        """Draw one figure with ``draw(axes)`` and save it as ``<name>.png``."""
        figure, axes = plt.subplots(figsize=(7, 3.6), dpi=110)
        draw(axes)
        axes.set_title(title)
        axes.grid(alpha=0.3)
        figure.tight_layout()
        path = self.folder / f"{name}.png"
        figure.savefig(path)
        plt.close(figure)
        return f"![{title}]({path.relative_to(self.document.parent).as_posix()})"

    def curves(self, name: str, title: str, curves: dict[str, list[tuple[int, float]]], ylabel: str) -> str:
        """Training curves: one line of (epoch, validation score) points per data set."""

        def draw(axes: Any) -> None:
            for label, points in curves.items():
                axes.plot(*zip(*points, strict=True), marker="o", label=label)
            axes.set_xlabel("epoch")
            axes.set_ylabel(ylabel)
            axes.legend()

        return self.save(name, title, draw)


def tagger_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """Tagger quality beside its baselines, the same-text ceiling, training curves and speed."""
    parts = ["## Text tagger (`bench/tagger.py`)"]
    machine = data.get("machine", {})
    if machine:
        flags = ", ".join(machine.get("cpu_flags_bf16", [])) or "none reported"
        parts.append(f"CPU flags relevant to precision: {flags}; {machine.get('threads', '?')} threads.")
    curves: dict[str, list[tuple[int, float]]] = {}
    for name, dataset in data["datasets"].items():
        split = dataset.get("split", {})
        parts.append(
            f"### {name}\n\nSplit (products): {split.get('train', 0):,} train / "
            f"{split.get('validation', 0):,} validation / {split.get('test', 0):,} test; "
            f"{dataset.get('labels', 0):,} labels of kinds {', '.join(dataset.get('kinds', []))}."
        )
        quality = dataset["quality"]
        kinds = sorted({kind for metrics in quality.values() for kind in metrics.get("f1_by_kind", {})})
        rows = [
            (
                method,
                metrics["micro_f1"],
                metrics.get("macro_f1"),
                metrics.get("seen_micro_f1"),
                metrics.get("novel_micro_f1"),
                *(metrics.get("f1_by_kind", {}).get(kind) for kind in kinds),
            )
            for method, metrics in quality.items()
        ]
        agreement = dataset.get("same_text_agreement")
        if agreement:
            by_kind = agreement.get("f1_by_kind", {})
            ceiling = ("same-text agreement (ceiling on seen texts)", None, None, agreement["micro_f1"], None)
            rows.append((*ceiling, *(by_kind.get(kind) for kind in kinds)))
        header = ("method", "micro-F1", "macro-F1", "seen", "novel", *(f"F1 {kind}" for kind in kinds))
        parts.append(table(header, rows))
        if agreement:
            parts.append(f"Test texts that occur verbatim in training: {agreement['share']:.1%}.")
        epochs = dataset.get("training", {}).get("epochs")
        if isinstance(epochs, list) and epochs:
            curves[name] = [
                (epoch["epoch"], validation_score(epoch, "validation_micro_f1")) for epoch in epochs
            ]
            training = dataset["training"]
            parts.append(
                f"Training: {len(epochs)} epochs in {training.get('seconds', 0):,.0f} s, "
                f"peak RSS {training.get('peak_rss_mb', 0):,.0f} MB."
            )
        speed = dataset.get("speed") or []
        if speed:
            bound = next((row["texts_per_s"] for row in speed if "bound" in row["variant"]), None)
            parts.append(
                table(
                    ("variant", "texts/s", "share of the bound", "micro-F1"),
                    [
                        (
                            row["variant"],
                            float(row["texts_per_s"]),
                            row["texts_per_s"] / bound if bound else None,
                            row.get("micro_f1"),
                        )
                        for row in speed
                    ],
                )
            )
            parts.append(
                plots.save(
                    f"tagger-speed-{name}",
                    f"{name}: texts per second by variant",
                    lambda axes, speed=speed: (
                        axes.barh(
                            [row["variant"][:48] for row in speed], [row["texts_per_s"] for row in speed]
                        ),
                        axes.invert_yaxis(),
                        axes.set_xlabel("texts/s"),
                    ),
                )
            )
    if curves:
        parts.append(
            plots.curves(
                "tagger-training", "Tagger: validation micro-F1 by epoch", curves, "validation micro-F1"
            )
        )
    return parts


def extractor_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """Extractor precision, recall and F1 beside the gazetteer, and its training curves."""
    parts = ["## Attribute extractor (`bench/extractor.py`)"]
    rows, curves = [], {}
    for name, dataset in data["datasets"].items():
        for method, metrics in dataset["methods"].items():
            rows.append((name, method, metrics["precision"], metrics["recall"], metrics["f1"]))
        epochs = dataset.get("training", {}).get("epochs")
        if isinstance(epochs, list) and epochs:
            curves[name] = [(epoch["epoch"], validation_score(epoch, "validation_f1")) for epoch in epochs]
    parts.append(table(("data set", "method", "precision", "recall", "F1"), rows))
    if curves:
        parts.append(
            plots.curves("extractor-training", "Extractor: validation F1 by epoch", curves, "validation F1")
        )
    return parts


def linker_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """Linking quality beside its peers, robustness to perturbations, and index scaling."""
    parts = ["## Entity linker (`bench/linker.py`)"]
    abt = data.get("abt_buy")
    if abt:
        metrics = ("acc_at_1", "recall_at_10", "nil_f1", "overall_accuracy", "links_per_s")
        parts.append(
            f"Abt-Buy: {abt['test']:,} test queries ({abt['test_nil']:,} NIL), {abt['entities']:,} entities."
        )
        parts.append(
            table(
                ("method", *metrics),
                [
                    (method, *(values.get(metric) for metric in metrics))
                    for method, values in abt["methods"].items()
                ],
            )
        )
    robustness = data.get("robustness", {}).get("by_perturbation")
    if robustness:
        methods = [key for key in next(iter(robustness.values())) if key != "queries"]
        parts.append(
            table(
                ("perturbation", "queries", *methods),
                [
                    (name, row["queries"], *(row[method] for method in methods))
                    for name, row in robustness.items()
                ],
            )
        )
    scale = data.get("scale") or []
    if scale:
        rows = []
        for row in scale:
            best = max(row["hnsw"], key=lambda hnsw: hnsw["ef_search"]) if row.get("hnsw") else {}
            rows.append(
                (
                    row["entities"],
                    row["exact_build_s"],
                    row["exact_ms_per_query"],
                    row.get("hnsw_build_s"),
                    best.get("ef_search"),
                    best.get("ms_per_query"),
                    best.get("recall_at_10"),
                )
            )
        header = (
            "vectors",
            "exact build s",
            "exact ms/query",
            "HNSW build s",
            "efSearch",
            "HNSW ms/query",
            "recall@10",
        )
        parts.append(table(header, rows))

        def draw(axes: Any) -> None:
            sizes = [row["entities"] for row in scale]
            axes.loglog(sizes, [row["exact_ms_per_query"] for row in scale], marker="o", label="exact")
            for ef in sorted({hnsw["ef_search"] for row in scale for hnsw in row.get("hnsw", [])}):
                points = [
                    (row["entities"], hnsw["ms_per_query"])
                    for row in scale
                    for hnsw in row.get("hnsw", [])
                    if hnsw["ef_search"] == ef
                ]
                axes.loglog(*zip(*points, strict=True), marker=".", label=f"HNSW ef {ef}")
            axes.set_xlabel("vectors")
            axes.set_ylabel("ms per query")
            axes.legend(fontsize=7)

        parts.append(plots.save("linker-scale", "Entity index: query time as the index grows", draw))
    return parts


def gnn_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """GNN refinement beside the tagger, and training cost as graphs grow."""
    parts = ["## Graph neural network (`bench/gnn.py`)"]
    rows = []
    for catalog, result in data.get("refine", {}).items():
        for method, metrics in result["metrics"].items():
            rows.append((catalog, method, metrics["micro_f1"], metrics.get("macro_f1"), metrics.get("map")))
    if rows:
        parts.append(table(("catalog", "scores", "micro-F1", "macro-F1", "mAP"), rows))
    scale = data.get("scale") or []
    if scale:
        parts.append(
            table(
                ("graph", "mode", "products", "edges", "s/epoch", "steps", "peak RSS MB"),
                [
                    (
                        row["graph"],
                        row["mode"],
                        row["products"],
                        row["edges"],
                        row["seconds_per_epoch"],
                        row["steps_per_epoch"],
                        row["peak_rss_mb"],
                    )
                    for row in scale
                ],
            )
        )

        def draw(axes: Any) -> None:
            for mode in sorted({row["mode"] for row in scale}):
                points = sorted(
                    (row["products"], row["seconds_per_epoch"]) for row in scale if row["mode"] == mode
                )
                axes.loglog(*zip(*points, strict=True), marker="o", label=mode)
            axes.set_xlabel("products")
            axes.set_ylabel("seconds per epoch")
            axes.legend()

        parts.append(plots.save("gnn-scale", "GNN training: seconds per epoch as the graph grows", draw))
    return parts


def recsys_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """Next-item recommendation beside popularity, ItemKNN, EASE and LightGCN."""
    parts = [
        "## Recommendations (`bench/recsys.py`)",
        f"Beauty: {data.get('users', 0):,} users, {data.get('items', 0):,} items; the last item of each "
        "user ranked among 99 sampled negatives (HR@10, NDCG@10) and among all items (full).",
    ]
    metrics = ("sampled_hr10", "sampled_ndcg10", "full_hr10", "full_recall20")
    methods = data["methods"]
    parts.append(
        table(
            ("method", *metrics),
            [(name, *(values.get(m) for m in metrics)) for name, values in methods.items()],
        )
    )

    def draw(axes: Any) -> None:
        names = list(methods)
        width = 0.2
        for offset, metric in enumerate(metrics):
            axes.bar(
                [i + offset * width for i in range(len(names))],
                [methods[name].get(metric, 0.0) for name in names],
                width,
                label=metric,
            )
        axes.set_xticks(
            [i + 1.5 * width for i in range(len(names))], [name[:22] for name in names], fontsize=7
        )
        axes.legend(fontsize=7)

    parts.append(plots.save("recsys", "Beauty next-item: every method on both protocols", draw))
    served = data.get("served")
    if served:
        parts += served_section(served)
    return parts


def served_section(served: dict[str, Any]) -> list[str]:
    """Each query kind of the recommendation service, measured through its own ranking functions."""
    user = served["user_id"]
    parts = [
        "### Every query kind as the service answers it",
        f"The model trained {served.get('epochs', '?')} epochs for this block. `user_id`: the served "
        f"ranking's HR@10 {user['sampled_hr10']:.4f} / full Recall@20 {user['full_recall20']:.4f}, "
        f"the offline model's {user['offline']['sampled_hr10']:.4f} / {user['offline']['full_recall20']:.4f}.",
        "`product_ids` and `/similar` (the user's last history item as the only seed, the next item "
        "as the target; the service's fusion weights fit on validation: "
        + ", ".join(f"{k} {v:.1f}" for k, v in served["product_ids"]["fusion"]["weights"].items())
        + "):",
    ]
    metrics = ("sampled_hr10", "sampled_ndcg10", "full_hr10", "full_recall20")
    methods = served["product_ids"]["methods"]
    parts.append(table(("method", *metrics), [(n, *(m[k] for k in metrics)) for n, m in methods.items()]))
    tags = served["tags"]
    parts.append(
        f"`tags`: {tags['pairs']} pairs of tags asked over {tags['test_products']:,} test products whose "
        "catalog tags are hidden and replaced by proposals (co-interaction label propagation, "
        f"calibrated on validation products; popularity exponent {tags['popularity_exponent']:.2f}); "
        "precision@10 of carrying both by catalog truth, NDCG@10 by held-out interactions:"
    )
    parts.append(
        table(
            ("method", "precision@10", "NDCG@10"),
            [(n, m["precision_at_10"], m["ndcg10"]) for n, m in tags["methods"].items()],
        )
    )
    return parts


def ingest_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """Ingest rates of the bulk importer, the incremental writer and the naive writer."""
    machine = data.get("machine", {})
    parts = [
        "## Ingest (`bench/ingest.py`)",
        f"{machine.get('cpus', '?')} cores ({machine.get('cpu', 'CPU not recorded')}) shared by Python and "
        "Neo4j. Real-file rows show the median of several runs, each run's rate beside it. Bulk rows "
        "run end to end (parse, validate, CSV tables, the importer, restart, schema); "
        "the importer's own time is beside them, and its fixed cost: the importer over a single "
        "product (its start and the floor of its four stages), which bounds a bulk load's rate on a "
        "small catalog whatever the parsing costs.",
    ]
    parts.append(
        table(
            (
                "writer",
                "input",
                "products",
                "relationships",
                "seconds",
                "products/s",
                "each run, products/s",
                "importer s",
                "importer alone s",
                "importer fixed s",
                "peak RSS MiB",
                "store MiB",
            ),
            [
                (
                    run["writer"],
                    run["file"],
                    run["products"],
                    run["relationships"],
                    run["seconds"],
                    run["products_per_s"],
                    " / ".join(f"{rate:,.0f}" for rate in run.get("repeats_products_per_s", [])) or None,
                    run.get("import_s"),
                    run.get("import_alone_s"),
                    run.get("import_fixed_s"),
                    run.get("peak_rss_mb_python"),
                    run.get("store_mb_neo4j"),
                )
                for run in data["runs"]
            ],
        )
    )
    summary = data.get("summary", {})
    if summary:
        flat: list[tuple[str, Any]] = []
        for key, value in summary.items():
            if isinstance(value, dict):
                flat += [(f"{key} ({inner})", each) for inner, each in value.items()]
            else:
                flat.append((key, value))
        parts.append(table(("summary", "value"), flat))
    return parts


def api_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """Latency and throughput of the HTTP service beside the same work in-process."""
    workers = data.get("workers", 1)
    command = "bench/api.py" if workers == 1 else f"bench/api.py --workers {workers}"
    parts = [
        f"## HTTP API (`{command}`)",
        f"{data.get('products', 0):,} products, {data.get('users', 0):,} users, "
        f"{data.get('workers', 1)} worker(s), {data.get('seconds', 0)} s per row, "
        f"{data.get('cores', '?')} cores ({data.get('cpu', 'CPU not recorded')}) shared with Neo4j and "
        f"the load generator; the catalog was read into memory in {data.get('catalog_read_seconds', 0):.1f} s.",
    ]
    rows = [
        (
            row["endpoint"],
            row["concurrency"],
            row["http"]["rps"],
            row["http"]["p50_ms"],
            row["http"]["p99_ms"],
            row["http"]["errors"],
            (row.get("in_process") or {}).get("rps"),
            (row.get("in_process") or {}).get("p99_ms"),
        )
        for row in data["rows"]
    ]
    header = (
        "endpoint",
        "concurrency",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "in-process req/s",
        "in-process p99 ms",
    )
    parts.append(table(header, rows))
    if data.get("skipped"):
        parts.append(f"Not measured (model not loaded): {', '.join(data['skipped'])}.")
    if data.get("text_runtime"):
        parts.append(
            "The linker's encoder on a batch of 16 product names (one thread), alone and beside a "
            "busy Python thread, as the service's event loop is under load (`TAGGRAPH_API_TEXT_RUNTIME`):"
        )
        runtime_rows = [
            (
                name,
                f"{row['alone_ms']:.1f}",
                f"{row['busy_thread_ms']:,.1f}",
                f"{row['busy_thread_ms'] / row['alone_ms']:.1f}x",
            )
            for name, row in data["text_runtime"].items()
        ]
        parts.append(table(("runtime", "alone ms", "beside a busy thread ms", "slowdown"), runtime_rows))
    return parts


def review_loop_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """Tagger quality before and after review decisions flow back into training."""
    parts = [
        "## Review decisions back into the tagger (`bench/review_loop.py`)",
        f"{data.get('rows', 0):,} rows, {data.get('gapped_products', 0):,} training products with gaps, "
        f"{data.get('epochs', '?')} epochs.",
    ]
    kinds = sorted({kind for row in data["results"] for kind in row.get("f1_by_kind", {})})
    parts.append(
        table(
            ("model", "decisions", "micro-F1", *(f"F1 {kind}" for kind in kinds)),
            [
                (row["model"], row["decisions"], row["micro_f1"], *(row["f1_by_kind"].get(k) for k in kinds))
                for row in data["results"]
            ],
        )
    )
    return parts


def review_page_section(data: dict[str, Any], plots: Plots) -> list[str]:
    """How fast the review page answers, beside the JSON queue it replaced."""
    parts = [
        "## Review page (`bench/review_page.py`)",
        f"Demo graph with {data['proposals_in_queue']:,} proposals in the queue, {data['cards_per_page']} cards "
        f"per page, one request at a time, service and Neo4j on the same machine ({data['cpu']}). "
        f"Target: the first 50 cards in under {data['target_ms']:.0f} ms.",
    ]
    rows = [
        (row["method"], row["requests"], row["p50_ms"], row["p99_ms"], row["mean_ms"])
        for row in data["results"]
    ]
    parts.append(table(("request", "requests", "p50 ms", "p99 ms", "mean ms"), rows))
    return parts


SECTIONS: dict[str, Callable[[dict[str, Any], Plots], list[str]]] = {
    "tagger": tagger_section,
    "extractor": extractor_section,
    "linker": linker_section,
    "gnn": gnn_section,
    "recsys": recsys_section,
    "review_loop": review_loop_section,
    "ingest": ingest_section,
    "api": api_section,
    "api_two_workers": api_section,
    "review_page": review_page_section,
}


def render(results: Path, out: Path) -> str:
    """The benchmarks document for the results files in ``results``; plots go beside ``out``."""
    plots = Plots(out.parent / "plots", out)
    parts = [
        "# Benchmarks",
        "Generated by `python bench/report.py` from `bench/results/*.json`; do not edit by hand. "
        "Each benchmark runs its peers in the same run on the same data; timings on a shared machine "
        "are noisy, so compare ratios within a table. Rerun a benchmark (`python bench/<name>.py`), "
        "then this script.",
    ]
    for name, section in SECTIONS.items():
        path = results / f"{name}.json"
        if path.is_file():
            parts += section(json.loads(path.read_text(encoding="utf-8")), plots)
        else:
            parts.append(f"## {name}\n\nNot measured yet: run `python bench/{name}.py`.")
    return "\n\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(args.results, args.out), encoding="utf-8")
    print(f"wrote {args.out} and its plots in {args.out.parent / 'plots'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""GNN benchmark: refined tag scores beside the tagger alone, and the cost of training as graphs grow.

Refinement (per dataset): the tagger the tagger benchmark trained (models/bench/<name>) and a
GNN trained on the same split (`train_refiner`): test products' tags are hidden from the graph,
their text and remaining neighbourhood stay; the fusion and every threshold are fit on
validation products. Micro-F1, macro-F1 and mAP on the test split for the tagger alone, the GNN
alone and the fused score.

Scale: training cost of the product-tag link model (`taggraph embed`'s task) on the whole graph
the configured Neo4j holds (its structure, with random 384-d node features standing in for the
text embeddings), and on synthetic graphs (products with 64-d features, 100 tags, random
product-tag links) growing to 1M products / 10M edges; full-graph (one step an epoch, 4,096
supervised products) and in mini-batches (every product once an epoch, 1,024 a step, sampled
neighbourhoods with fanouts 10 and 10). Each row runs in a process of its own, so its peak memory
is its own.

Usage (needs the configured Neo4j running with the full Myntra and Flipkart files, and the
taggers of `bench/tagger.py`):
    python bench/gnn.py [--datasets myntra flipkart] [--models models/bench] [--scale 100000 1000000]
Prints tables and writes bench/results/gnn.json.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.gnn.training import GNNConfig, GraphTensors, train_link_model
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.export import HAS_TAG, read_snapshot
from taggraph.jobs.gnn.embed import tag_link_graph
from taggraph.jobs.gnn.refine import train_refiner
from taggraph.settings import Settings

RESULTS = Path(__file__).parent / "results" / "gnn.json"


def peak_rss_mb() -> float:
    """The process's peak resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def epoch_cost(graph: GraphTensors, mini_batch: int, epochs: int = 2, hidden: int = 64) -> dict[str, float]:
    """Seconds per epoch and per step (means over ``epochs`` after one warm-up) and the peak RSS."""
    times: list[float] = []
    config = GNNConfig(
        hidden=hidden,
        epochs=epochs + 1,
        eval_every=10_000,
        holdout="edges",
        holdout_fraction=0.3,
        batch_sources=4096,
        batch_size=mini_batch,
        fanouts=[10, 10],
        seed=0,
    )
    last = [time.perf_counter()]

    def tick(epoch: int, loss: float) -> None:
        now = time.perf_counter()
        if epoch > 1:
            times.append(now - last[0])
        last[0] = now

    train_link_model(graph, config, lambda model: 0.0, tick)
    sources = int(torch.unique(graph.links[0]).numel())
    steps = -(-sources // mini_batch) if mini_batch else 1
    seconds = float(np.mean(times))
    return {
        "seconds_per_epoch": seconds,
        "steps_per_epoch": steps,
        "seconds_per_step": seconds / steps,
        "peak_rss_mb": peak_rss_mb(),
    }


def configured_graph(executor: GraphExecutor) -> GraphTensors:
    snapshot = read_snapshot(executor)
    rng = np.random.default_rng(0)
    features = {
        node_type: torch.from_numpy(rng.normal(size=(len(ids), 384)).astype(np.float32))
        for node_type, ids in snapshot.ids.items()
        if ids and node_type != "user"
    }
    if snapshot.ids["user"]:
        features["user"] = torch.arange(len(snapshot.ids["user"]))
    return tag_link_graph(snapshot, features)[0]


def scale_row(kind: str, products: int, mini_batch: int) -> dict:
    """One row of the scale table, measured in this process."""
    torch.set_num_threads(2)
    if kind == "graph":
        settings = Settings().neo4j
        with create_driver(settings) as driver:
            graph = configured_graph(GraphExecutor.from_settings(driver, settings))
        name = "Myntra + Flipkart + Beauty (the configured graph)"
    else:
        graph, name = synthetic(products, products * 10), "synthetic"
    size = {
        "products": graph.num_nodes["product"],
        "edges": int(graph.links.shape[1] + sum(e.shape[1] for e in graph.edges.values())),
    }
    mode = f"mini-batch {mini_batch}" if mini_batch else "full graph"
    return {"graph": name, "mode": mode, **size, **epoch_cost(graph, mini_batch)}


def measure_apart(kind: str, products: int, mini_batch: int) -> dict:
    """``scale_row`` in a fresh process, so peak memory is the row's own."""
    command = [sys.executable, __file__, "--scale-row", kind, str(products), str(mini_batch)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def synthetic(products: int, edges: int, seed: int = 0) -> GraphTensors:
    rng = np.random.default_rng(seed)
    tags = 100
    links = np.stack([rng.integers(products, size=edges), rng.integers(tags, size=edges)])
    return GraphTensors(
        x={
            "product": torch.from_numpy(rng.normal(size=(products, 64)).astype(np.float32)),
            "tag": torch.arange(tags),
        },
        in_dims={"product": 64, "tag": None},
        edges={},
        target=HAS_TAG,
        links=torch.from_numpy(links),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="*", default=["myntra", "flipkart"])
    parser.add_argument("--models", type=Path, default=Path("models/bench"))
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--scale", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument(
        "--mini-batch", type=int, default=0, help="refinement GNN: products per step (0: full graph)"
    )
    parser.add_argument(
        "--scale-row", nargs=3, metavar=("KIND", "PRODUCTS", "MINI_BATCH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.scale_row:
        kind, products, mini_batch = args.scale_row
        print(json.dumps(scale_row(kind, int(products), int(mini_batch))))
        return 0
    torch.set_num_threads(2)
    results: dict = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    settings = Settings().neo4j
    embedder = TextEmbedder()
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        for name in args.datasets:
            tagger = Tagger.load(args.models / name)
            tagger.set_precision("auto")
            started = time.perf_counter()
            model, report = train_refiner(
                executor, tagger, embedder, GNNConfig(epochs=args.epochs, batch_size=args.mini_batch)
            )
            results.setdefault("refine", {})[name] = {
                "metrics": report.metrics,
                "fusion": vars(report.fusion),
                "gnn_seconds": report.seconds,
                "epochs": report.epochs,
                "total_seconds": time.perf_counter() - started,
                "history": model.trained.history,
                "mini_batch": args.mini_batch,
            }
            print(
                f"== {name}: {report.epochs} epochs, GNN {report.seconds:.0f} s, fusion {vars(report.fusion)}"
            )
            print(f"{'scores':<8} {'micro-F1':>8} {'macro-F1':>8} {'mAP':>6}  per kind")
            for method, m in report.metrics.items():
                kinds = " ".join(f"{k}={v:.3f}" for k, v in m["f1_by_kind"].items())
                print(
                    f"{method:<8} {m['micro_f1']:>8.4f} {m['macro_f1']:>8.4f} {m['map']:>6.3f}  {kinds}",
                    flush=True,
                )
    if args.scale:
        rows = []
        for kind, products in [("graph", 0)] + [("synthetic", n) for n in args.scale]:
            for mini_batch in (0, 1024):
                rows.append(measure_apart(kind, products, mini_batch))
                print(json.dumps(rows[-1]), flush=True)
        results["scale"] = rows
        print(
            f"\n{'graph':<42} {'mode':<16} {'products':>10} {'edges':>11} {'steps':>6} {'s/step':>7} "
            f"{'s/epoch':>8} {'peak MB':>8}"
        )
        for row in rows:
            print(
                f"{row['graph']:<42} {row['mode']:<16} {row['products']:>10,} {row['edges']:>11,} "
                f"{row['steps_per_epoch']:>6} {row['seconds_per_step']:>7.3f} {row['seconds_per_epoch']:>8.2f} "
                f"{row['peak_rss_mb']:>8.0f}"
            )
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

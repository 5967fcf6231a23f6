"""Tagger benchmark: the fine-tuned tagger beside three baselines on the full Myntra and Flipkart
files (read from the graph, split by id hash), then the inference variants side by side.

Usage (needs the configured Neo4j running; ingests the files if the graph lacks them):
    python bench/tagger.py [--datasets myntra flipkart] [--epochs 3]
    python bench/tagger.py --speed-only   # the speed table again, for the models saved in --models
Prints tables and writes bench/results/tagger.json (a dataset's entry replaces its earlier one;
with --speed-only only its speed table is replaced).
"""

import argparse
import contextlib
import copy
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import torch

from taggraph.core.identity import Pseudonymiser
from taggraph.core.vocabulary import TaggerJob, check_vocabulary
from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.precision import bf16_is_fast, cpu_flags
from taggraph.encoders.tagger.batching import length_sorted_batches
from taggraph.encoders.tagger.metrics import micro_f1
from taggraph.encoders.tagger.onnx_runtime import OnnxTagger, export_onnx
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.encoders.tagger.training import TrainingConfig
from taggraph.graph import server
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.schema import apply_schema
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.tagging.evaluation import compare_with_baselines, same_text_agreement
from taggraph.jobs.tagging.proposals import run_tagging
from taggraph.jobs.tagging.training import load_splits, train_job
from taggraph.settings import Settings

RESULTS = Path(__file__).parent / "results" / "tagger.json"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog"
DATASETS = {
    "myntra": (
        MyntraSource,
        "myntra_styles.csv",
        TaggerJob("myntra", ("gender", "article_type", "colour", "usage", "season")),
    ),
    "flipkart": (
        FlipkartSource,
        "flipkart_20k.csv",
        TaggerJob("flipkart", ("category_1", "category_2", "category_3", "brand"), with_description=True),
    ),
}


def ensure_ingested(executor: GraphExecutor, name: str, work: Path) -> None:
    source_class, file_name, _ = DATASETS[name]
    source = source_class(SourceContext(Pseudonymiser(b"benchmark-key-0123456789abcdef")))
    run_ingest(source, DATA / file_name, BatchWriter(executor, 5000), work / "rejects", work / "state", 5000)


def throughput(tagger: Tagger, texts: list[str], truth: np.ndarray) -> tuple[float, float]:
    started = time.perf_counter()
    scores = tagger.predict_proba(texts)
    decided = tagger.decide(scores)
    seconds = time.perf_counter() - started
    return len(texts) / seconds, micro_f1(truth, decided)


@torch.inference_mode()
def forward_bound(tagger: Tagger, texts: list[str], batch_size: int = 64) -> float:
    """Texts/s of the encoder forward alone (at the tagger's precision), on the same length-sorted
    batches, pre-tokenised."""
    batches = [
        encoded
        for _, encoded in length_sorted_batches(
            tagger.tokenizer, texts, batch_size, tagger.max_length, torch.device("cpu")
        )
    ]
    autocast = (
        torch.autocast("cpu", dtype=torch.bfloat16) if tagger.autocast_bf16 else contextlib.nullcontext()
    )
    started = time.perf_counter()
    with autocast:
        for batch in batches:
            tagger.network(batch["input_ids"], batch["attention_mask"])
    return len(texts) / (time.perf_counter() - started)


def end_to_end(executor: GraphExecutor, tagger: Tagger, ids: list[str], work: Path) -> dict:
    """`taggraph tag` on these products at its configured page size: graph read, scoring, writes.

    Returns products/s and the CPU seconds this process and the local Neo4j server spent, which
    share the machine's cores.
    """
    check_vocabulary(executor, tagger)
    server_pid = server.status(Settings().neo4j).pid
    graph_server = psutil.Process(server_pid) if server_pid else None
    server_before = sum(graph_server.cpu_times()[:2]) if graph_server else 0.0
    own_before = time.process_time()
    started = time.perf_counter()
    report = run_tagging(executor, tagger, work / "tag-state", ids=ids, page_size=Settings().page_size)
    seconds = time.perf_counter() - started
    return {
        "texts_per_s": report.scored / seconds,
        "seconds": seconds,
        "process_cpu_s": time.process_time() - own_before,
        "graph_server_cpu_s": sum(graph_server.cpu_times()[:2]) - server_before if graph_server else None,
    }


def speed_table(
    executor: GraphExecutor, tagger: Tagger, texts: list[str], truth: np.ndarray, ids: list[str], work: Path
) -> list[dict]:
    rows = []
    throughput(tagger, texts[:200], truth[:200])  # warm-up
    bound = forward_bound(tagger, texts)
    rows.append(
        {
            "variant": "encoder forward only (fp32, pre-tokenised): bound",
            "texts_per_s": bound,
            "micro_f1": None,
        }
    )
    speed, f1 = throughput(tagger, texts, truth)
    rows.append(
        {
            "variant": "fp32 PyTorch pipeline",
            "texts_per_s": speed,
            "micro_f1": f1,
            "overhead_vs_bound": 1 - speed / bound,
        }
    )
    bf16 = copy.copy(tagger)
    bf16.set_precision("bf16")
    fast = bf16_is_fast(torch.device("cpu"))
    subset = len(texts) if fast else 500  # emulated bf16 is too slow to time on everything
    bf16_bound = forward_bound(bf16, texts[:subset])
    rows.append(
        {
            "variant": f"encoder forward only (bf16, pre-tokenised; CPU bf16 fast: {fast})",
            "texts_per_s": bf16_bound,
            "micro_f1": None,
        }
    )
    speed, f1 = throughput(bf16, texts[:subset], truth[:subset])
    rows.append(
        {
            "variant": f"bf16 autocast ({subset} texts)",
            "texts_per_s": speed,
            "micro_f1": f1,
            "overhead_vs_bound": 1 - speed / bf16_bound,
        }
    )
    quantized = copy.copy(tagger)
    quantized.network = torch.ao.quantization.quantize_dynamic(
        copy.deepcopy(tagger.network), {torch.nn.Linear}, dtype=torch.qint8
    )
    speed, f1 = throughput(quantized, texts, truth)
    rows.append({"variant": "int8 dynamic quantization (torch.ao)", "texts_per_s": speed, "micro_f1": f1})
    for int8 in (False, True):
        model = export_onnx(tagger, work / "onnx" / f"tagger-{'int8' if int8 else 'fp32'}.onnx", int8=int8)
        speed, f1 = throughput(OnnxTagger(tagger, model, threads=torch.get_num_threads()), texts, truth)
        rows.append(
            {
                "variant": f"ONNX Runtime {'int8 (dynamic)' if int8 else 'fp32'}",
                "texts_per_s": speed,
                "micro_f1": f1,
            }
        )
    for precision, precision_bound in (("fp32", bound), ("auto", bf16_bound if fast else bound)):
        tagger.set_precision(precision)
        timing = end_to_end(executor, tagger, ids, work)
        chosen = "bf16" if tagger.autocast_bf16 else "fp32"
        rows.append(
            {
                "variant": f"`taggraph tag` end to end, precision {precision} ({chosen}): graph read + write",
                "micro_f1": None,
                **timing,
                "overhead_vs_bound": 1 - timing["texts_per_s"] / precision_bound,
            }
        )
    tagger.set_precision("fp32")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--max-length-with-description", type=int, default=96)
    parser.add_argument("--max-steps", type=int, default=0)
    parser.add_argument("--speed-texts", type=int, default=2000)
    parser.add_argument("--models", type=Path, default=Path("models/bench"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/taggraph-bench-tagger"))
    parser.add_argument(
        "--speed-only",
        action="store_true",
        help="load each dataset's model from --models and time it; no training or baselines",
    )
    args = parser.parse_args()
    torch.set_num_threads(2)
    settings = Settings().neo4j
    results: dict = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"datasets": {}}
    results["machine"] = {
        "cpu_flags_bf16": sorted({"amx_bf16", "avx512_bf16", "avx2"} & cpu_flags()),
        "threads": torch.get_num_threads(),
    }
    embedder = TextEmbedder()
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        apply_schema(executor)
        for name in args.datasets:
            _, _, job = DATASETS[name]
            ensure_ingested(executor, name, args.work)
            splits = load_splits(executor, job)
            print(
                f"== {name}: {len(splits.train)} train / {len(splits.validation)} validation / "
                f"{len(splits.test)} test, {len(splits.space)} labels, kinds {splits.space.kinds}",
                flush=True,
            )
            texts = splits.texts("test")[: args.speed_texts]
            ids = [product.id for product in splits.test[: args.speed_texts]]
            if args.speed_only:
                speed = speed_table(
                    executor,
                    Tagger.load(args.models / name),
                    texts,
                    splits.truth("test")[: args.speed_texts],
                    ids,
                    args.work,
                )
                results["datasets"][name]["speed"] = speed
                print_speed(speed)
                write_results(results)
                continue
            config = TrainingConfig(
                epochs=args.epochs,
                max_length=args.max_length_with_description if job.with_description else 48,
                max_steps=args.max_steps,
            )
            started = time.perf_counter()
            tagger, reports = train_job(
                splits,
                job,
                config,
                on_step=lambda s, n, loss, rate: (
                    print(f"  step {s}/{n} loss {loss:.3f} {rate:.0f} ex/s", flush=True)
                    if s % 200 == 0
                    else None
                ),
            )
            training_seconds = time.perf_counter() - started
            tagger.save(args.models / name)
            comparison = compare_with_baselines(
                tagger, splits, embedder, log=lambda line: print("  " + line, flush=True)
            )
            agreement = same_text_agreement(splits)
            speed = speed_table(
                executor, tagger, texts, splits.truth("test")[: args.speed_texts], ids, args.work
            )
            results["datasets"][name] = {
                "split": {
                    "train": len(splits.train),
                    "validation": len(splits.validation),
                    "test": len(splits.test),
                },
                "labels": len(splits.space),
                "kinds": splits.space.kinds,
                "training": {
                    "seconds": training_seconds,
                    "epochs": [vars(r) for r in reports],
                    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    "config": vars(config) if hasattr(config, "__dict__") else str(config),
                    "lexical_head": tagger.meta.get("lexical"),
                },
                "quality": comparison,
                "same_text_agreement": agreement,
                "speed": speed,
            }
            print(
                f"{'method':<44} {'micro-F1':>8} {'macro-F1':>8} {'P@1':>6} {'P@5':>6} {'mAP':>6} "
                f"{'novel':>6} {'seen':>6}  per kind"
            )
            for method, m in comparison.items():
                kinds = " ".join(f"{k}={v:.3f}" for k, v in m["f1_by_kind"].items())
                print(
                    f"{method:<44} {m['micro_f1']:>8.4f} {m['macro_f1']:>8.4f} {m['p_at_1']:>6.3f} {m['p_at_5']:>6.3f} "
                    f"{m['map']:>6.3f} {m.get('novel_micro_f1', float('nan')):>6.3f} "
                    f"{m.get('seen_micro_f1', float('nan')):>6.3f}  {kinds}"
                )
            if agreement is not None:
                kinds = " ".join(f"{k}={v:.3f}" for k, v in agreement["f1_by_kind"].items())
                print(
                    f"majority label of the same text in training, on the {agreement['share']:.0%} of test "
                    f"texts seen in training: micro-F1 {agreement['micro_f1']:.4f}  {kinds}"
                )
            print_speed(speed)
            write_results(results)
    print(f"wrote {RESULTS}")
    return 0


def print_speed(speed: list[dict]) -> None:
    print(f"{'variant':<72} {'texts/s':>9} {'micro-F1':>9} {'overhead':>9}")
    for row in speed:
        f1 = "" if row["micro_f1"] is None else f"{row['micro_f1']:.4f}"
        overhead = f"{row['overhead_vs_bound']:.1%}" if "overhead_vs_bound" in row else ""
        cpu = (
            f"  CPU s: taggraph {row['process_cpu_s']:.2f}, Neo4j {row['graph_server_cpu_s']:.2f} in {row['seconds']:.2f} s"
            if row.get("graph_server_cpu_s") is not None
            else ""
        )
        print(f"{row['variant']:<72} {row['texts_per_s']:>9.1f} {f1:>9} {overhead:>9}{cpu}")


def write_results(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    sys.exit(main())

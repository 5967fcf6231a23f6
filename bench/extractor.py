"""Extractor benchmark: the fine-tuned BIO span extractor beside a gazetteer of training values, on
AE-110k and OA-Mine (../shared/data/attributes, ExtractGPT's files and scoring, `n/a` counted).

For each data set: the train file is split 90/10 by hash (training / early stopping and the
threshold), the test file is scored once. Precision = VC / (NV + VC + VW), recall = VC / (VN +
VC + VW), as in the ExtractGPT paper; values compare case-insensitively.

Usage:
    python bench/extractor.py [--datasets ae-110k oa-mine] [--epochs 20] [--models models/bench]
Prints a table and writes bench/results/extractor.json.
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import torch

from taggraph.encoders.extractor.training import ExtractorConfig
from taggraph.jobs.extraction.examples import read_example_files
from taggraph.jobs.extraction.training import compare_with_gazetteer, train_on_examples

RESULTS = Path(__file__).parent / "results" / "extractor.json"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "attributes"
PUBLISHED = {
    "ae-110k": "GPT-4 with in-context examples about 85 to 91 F1 (ExtractGPT); SU-OpenTag 74.9 to 81.6 F1",
    "oa-mine": "GPT-4 with in-context examples about 85 to 91 F1 (ExtractGPT)",
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--datasets", nargs="+", default=["ae-110k", "oa-mine"], choices=["ae-110k", "oa-mine"]
    )
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--models", type=Path, default=Path("models/bench"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/taggraph-bench-extractor"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"datasets": {}}
    for name in args.datasets:
        train_file, test_file = read_example_files(
            [DATA / name / "train.jsonl", DATA / name / "test.jsonl"], args.work / f"{name}.rejects.jsonl"
        )
        config = ExtractorConfig(epochs=args.epochs)
        started = time.perf_counter()
        extractor, reports = train_on_examples(train_file.examples, config)
        seconds = time.perf_counter() - started
        extractor.save(args.models / f"extractor-{name}")
        methods = compare_with_gazetteer(extractor, train_file.examples, test_file.examples)
        results["datasets"][name] = {
            "train_rows": train_file.rows,
            "train_examples": len(train_file.examples),
            "test_rows": test_file.rows,
            "test_examples": len(test_file.examples),
            "attributes": len(extractor.attributes),
            "threshold": extractor.threshold,
            "training": {
                "seconds": seconds,
                "epochs": [vars(r) for r in reports],
                "config": vars(config),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            },
            "methods": methods,
            "published": PUBLISHED[name],
        }
        print(
            f"== {name}: {len(train_file.examples)} training rows ({extractor.meta['train_examples']} train / "
            f"{extractor.meta['validation_examples']} validation), {len(test_file.examples)} test rows, "
            f"{len(extractor.attributes)} attributes; trained in {seconds:.0f} s, "
            f"{len(reports)} epochs, threshold {extractor.threshold:.2f}",
            flush=True,
        )
        print(
            f"{'method':<30} {'P':>6} {'R':>6} {'F1':>6}  {'NN':>4} {'NV':>4} {'VN':>4} {'VC':>5} {'VW':>4} {'texts/s':>8}"
        )
        for method, m in methods.items():
            c = m["counts"]
            print(
                f"{method:<30} {m['precision']:>6.2f} {m['recall']:>6.2f} {m['f1']:>6.2f}  {c['NN']:>4} {c['NV']:>4} "
                f"{c['VN']:>4} {c['VC']:>5} {c['VW']:>4} {m['texts_per_s']:>8.0f}"
            )
        print(f"published: {PUBLISHED[name]}", flush=True)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

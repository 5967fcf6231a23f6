"""Review page benchmark: how fast the catalog team's page answers on the demo graph.

Runs `taggraph serve` on loopback against the configured Neo4j (the demo graph after
`bash scripts/demo.sh`, which holds the tagger's and the extractor's proposals), signs in with
a review key, and times, one request at a time after a warm-up:

- the page with its first 50 cards (`GET /review`), unfiltered and filtered by tag kind;
- the JSON queue the same 50 proposals come from without their details (`GET /v1/review/queue`),
  what a reviewer had before the page (curl);
- a decision from the page (`POST /review/decide`), each followed by its undo, so the graph
  ends as it began.

Target (issue: review page): the first 50 cards in under 300 ms on the demo graph.

Usage:
    python bench/review_page.py [--requests 100]
Prints a table and writes bench/results/review_page.json.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import cpu_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PORT = 18731
KEY = "review-page-bench-key-0123456789"
SERVICE_LOG = Path("/tmp/taggraph-review-page-bench.log")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CARD = re.compile(r'data-product-id="([^"]+)" data-tag-id="([^"]+)"')
TARGET_MS = 300.0


def start_service() -> subprocess.Popen:
    env = {
        **os.environ,
        "TAGGRAPH_API_KEYS": json.dumps({"bench": {"key": KEY, "role": "review"}}),
        "TAGGRAPH_API_PORT": str(PORT),
        "TAGGRAPH_API_LOAD_MODELS": "false",
    }
    with SERVICE_LOG.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "taggraph.jobs.cli", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the service did not become ready; its log: {SERVICE_LOG}")


def timed(call: Callable[[], httpx.Response], requests: int, warmup: int = 5) -> dict[str, Any]:
    for _ in range(warmup):
        call().raise_for_status()
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        call().raise_for_status()
        latencies.append((time.perf_counter() - started) * 1000)
    values = np.array(latencies)
    return {
        "requests": requests,
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p99_ms": round(float(np.percentile(values, 99)), 1),
        "mean_ms": round(float(values.mean()), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    process = start_service()
    base = f"http://127.0.0.1:{PORT}"
    try:
        with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
            client.post("/review/sign-in", data={"key": KEY}).raise_for_status()
            page = client.get("/review")
            page.raise_for_status()
            csrf = CSRF.search(page.text).group(1)
            cards = CARD.findall(page.text)
            if len(cards) < 50:
                raise SystemExit(
                    f"only {len(cards)} cards on the page; run the demo first (bash scripts/demo.sh)"
                )
            kind = re.search(r'<option value="([a-z_]+)"', page.text.split('id="f-kind"', 1)[1]).group(1)
            api = {"X-API-Key": KEY}
            product_id, tag_id = cards[0]

            def decide_and_undo() -> httpx.Response:
                form = {"csrf": csrf, "action": "approve", "product_id": product_id, "tag_id": tag_id}
                fetch = {"X-Requested-With": "fetch"}
                client.post("/review/decide", data=form, headers=fetch).raise_for_status()
                return client.post("/review/undo", data={"csrf": csrf}, headers=fetch)

            rows = [
                {"method": "page: first 50 cards", **timed(lambda: client.get("/review"), args.requests)},
                {
                    "method": f"page: filtered (kind={kind})",
                    **timed(lambda: client.get("/review", params={"kind": kind}), args.requests),
                },
                {
                    "method": "JSON queue, 50 proposals (before the page)",
                    **timed(
                        lambda: client.get("/v1/review/queue", params={"limit": 50}, headers=api),
                        args.requests,
                    ),
                },
                {
                    "method": "decision + its undo, from the page",
                    **timed(decide_and_undo, max(10, args.requests // 5), warmup=2),
                },
            ]
            counts = re.search(r'data-count="proposals">(\d+)<', client.get("/review").text).group(1)
    finally:
        process.terminate()
        process.wait(30)
    result = {
        "cpu": cpu_model(),
        "proposals_in_queue": int(counts),
        "cards_per_page": len(cards),
        "target_ms": TARGET_MS,
        "results": rows,
    }
    print(f"{'method':45} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for row in rows:
        print(f"{row['method']:45} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} {row['mean_ms']:8.1f}")
    out = ROOT / "bench" / "results" / "review_page.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

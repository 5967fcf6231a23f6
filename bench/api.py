"""API load benchmark: requests/s, p50 and p99 latency and errors of three endpoints at several
concurrencies, beside the same Cypher issued straight through the neo4j driver.

The service runs as `taggraph serve` (uvicorn, one worker unless --workers) on loopback against
the configured Neo4j (after `taggraph graph similar`, /similar reads precomputed lists; without
them it computes from the graph), which should hold the full Myntra file (`taggraph ingest myntra
../shared/data/catalog/myntra_styles.csv`). The load generator is a minimal asyncio HTTP/1.1
client in this process (keep-alive connections, as wrk uses; an httpx client costs several times
more CPU per request, which this 2-core machine would take from the service), with `concurrency`
connections each keeping one request in flight, each on a random Myntra product, for --seconds
after a short warm-up. The driver rows run the statements the routes run (one for /tags and
/similar, three for /recommendations) from `concurrency` threads over one driver, so the
difference is what the HTTP layer costs: FastAPI, validation, JSON, uvicorn. Everything,
Neo4j included, shares this machine's cores, the load generator too.

Usage:
    python bench/api.py [--concurrency 1 16 64] [--seconds 10] [--workers 1]
Prints a table and writes bench/results/api.json.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

from taggraph.core.recommendations import SCAN, SEED_TAGS
from taggraph.core.similar import similar_rows
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.settings import Settings

RESULTS = Path(__file__).parent / "results" / "api.json"
KEY = "bench-read-key-0123456789"
PORT = 18080
FILTERS = {"category_id": None, "brand_id": None, "min_price": None, "max_price": None}


def http_request(name: str, product_id: str) -> tuple[str, str, dict | None]:
    if name == "tags":
        return "GET", f"/v1/products/{product_id}/tags", None
    if name == "similar":
        return "GET", f"/v1/products/{product_id}/similar?k=10", None
    return "POST", "/v1/recommendations", {"product_ids": [product_id], "k": 10}


def driver_call(executor: GraphExecutor, name: str) -> Callable[[str], object]:
    """The statements the route runs for one product, through the driver alone."""
    if name == "tags":
        return lambda pid: executor.read("read/product_tags", product_id=pid)
    if name == "similar":

        def similar(pid: str) -> object:
            stored = executor.read("read/similar_list", product_id=pid)
            return stored if stored and stored[0]["similar"] else similar_rows(executor, pid, 10)

        return similar

    def recommend(pid: str) -> object:
        window = {"k": 20, "scan": SCAN, "exclude": [pid], **FILTERS}
        tags = executor.read("read/seed_product_tags", seed_ids=[pid])
        executor.read(
            "read/products_for_tags",
            tags=[{"id": t["id"], "weight": float(t["seeds"])} for t in tags],
            seed_tags=SEED_TAGS,
            **window,
        )
        return executor.read("read/co_interacted_products", seed_ids=[pid], **window)

    return recommend


def summary(latencies: list[float], errors: int, seconds: float) -> dict:
    values = np.array(latencies) * 1000 if latencies else np.array([np.nan])
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "p50_ms": float(np.percentile(values, 50)),
        "p99_ms": float(np.percentile(values, 99)),
    }


def encode(method: str, url: str, body: dict | None) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request on a keep-alive connection; read the whole response; return its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def http_load(name: str, ids: list[str], concurrency: int, seconds: float, warmup: float) -> dict:
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    async def connection(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        try:
            while (now := time.perf_counter()) < stop_at:
                try:
                    ok = await exchange(reader, writer, encode(*http_request(name, rng.choice(ids)))) == 200
                except (OSError, asyncio.IncompleteReadError, StopIteration):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
                done = time.perf_counter()
                if now >= measure_from:
                    if ok:
                        latencies.append(done - now)
                    else:
                        errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(seed) for seed in range(concurrency)))
    return summary(latencies, errors, seconds)


def driver_load(
    call: Callable[[str], object], ids: list[str], concurrency: int, seconds: float, warmup: float
) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        while (now := time.perf_counter()) < stop_at:
            try:
                call(rng.choice(ids))
                ok = True
            except Exception:  # noqa: BLE001 - counted as an error row, like a non-200
                ok = False
            done = time.perf_counter()
            if now >= measure_from:
                with lock:
                    if ok:
                        latencies.append(done - now)
                    else:
                        errors += 1

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(latencies, errors, seconds)


def start_service(workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "TAGGRAPH_API_KEYS": json.dumps({"bench": {"key": KEY, "role": "read"}}),
        "TAGGRAPH_API_LOAD_MODELS": "false",
        "TAGGRAPH_API_PORT": str(PORT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "taggraph.jobs.cli", "serve", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("the service did not become ready in 60 s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 16, 64])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--endpoints", nargs="+", default=["tags", "similar", "recommendations"])
    args = parser.parse_args()
    settings = Settings().neo4j
    rows = []
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        ids = [
            row["id"]
            for row in executor.read(
                "read/product_id_page", source="myntra", after="", since=None, limit=100_000
            )
        ]
        if len(ids) < 1000:
            raise SystemExit(f"only {len(ids)} Myntra products in the graph; ingest the full file first")
        sample = random.Random(0).sample(ids, 5000)
        service = start_service(args.workers)
        try:
            for name in args.endpoints:
                call = driver_call(executor, name)
                for concurrency in args.concurrency:
                    via_http = asyncio.run(http_load(name, sample, concurrency, args.seconds, args.warmup))
                    via_driver = driver_load(call, sample, concurrency, args.seconds, args.warmup)
                    rows.append(
                        {"endpoint": name, "concurrency": concurrency, "http": via_http, "driver": via_driver}
                    )
                    print(
                        f"{name:<16} c={concurrency:<3} http {via_http['rps']:7.1f}/s p50 {via_http['p50_ms']:6.1f} "
                        f"p99 {via_http['p99_ms']:6.1f} err {via_http['errors']} | driver {via_driver['rps']:7.1f}/s "
                        f"p50 {via_driver['p50_ms']:6.1f} p99 {via_driver['p99_ms']:6.1f}",
                        flush=True,
                    )
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(30)
    print(
        f"\n{'endpoint':<16} {'conc':>4} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} | "
        f"{'driver req/s':>12} {'p50 ms':>7} {'p99 ms':>7} | HTTP share of p50"
    )
    for row in rows:
        http, direct = row["http"], row["driver"]
        share = 1 - direct["p50_ms"] / http["p50_ms"] if http["p50_ms"] else float("nan")
        print(
            f"{row['endpoint']:<16} {row['concurrency']:>4} {http['rps']:>8.1f} {http['p50_ms']:>7.1f} "
            f"{http['p99_ms']:>7.1f} {http['errors']:>6} | {direct['rps']:>12.1f} {direct['p50_ms']:>7.1f} "
            f"{direct['p99_ms']:>7.1f} | {share:.0%}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "products": len(ids),
                "workers": args.workers,
                "seconds": args.seconds,
                "cores": os.cpu_count(),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

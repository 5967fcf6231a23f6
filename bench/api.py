"""API load benchmark: requests/s, p50 and p99 latency and errors of every query the recommender
engine asks, at several concurrencies, beside the same work done in-process without HTTP.

The service runs as `taggraph serve` (uvicorn, one worker unless --workers) on loopback against
the configured Neo4j, which should hold the full Myntra, Flipkart and Beauty files, with the
models under TAGGRAPH_MODELS_DIR (a recommender for the user rows; the linker for
/tags/search; a Myntra tagger for POST /v1/tag; rows whose model is missing are skipped). The
load generator is a minimal asyncio HTTP/1.1 client in this process (keep-alive connections, as
wrk uses), with `concurrency` connections each keeping one request in flight, for --seconds after
a short warm-up. Requests draw at random from 5,000 products, their tag pairs, 5,000 Beauty
users, and product names for the text routes (repeats happen, as in real traffic; the text
routes cache repeated queries); the tags_search_new row asks a new search every time (two words
drawn from the names' vocabulary), so every request runs the encoder. The in-process rows run what the route runs without HTTP: the
Cypher statement through the driver for /products/{id}/tags, the core ranking function over a
catalog read in this process for the in-memory routes, from `concurrency` threads. Everything,
Neo4j included, shares this machine's cores, the load generator too.

Before the load, the text runtime rows time the linker's encoder on a batch of 16 product names
in PyTorch and in ONNX Runtime, alone and beside a busy Python thread (what a service's event
loop is while it answers other requests): the measurement behind TAGGRAPH_API_TEXT_RUNTIME.

Usage:
    python bench/api.py [--concurrency 1 16 64] [--seconds 10] [--workers 1] [--endpoints ...]
        [--results bench/results/api.json]
Prints a table and writes bench/results/api.json.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from taggraph.core.identity import load_pseudonymiser
from taggraph.core.recommendations import RecommendationQuery, recommend_for
from taggraph.core.service import Service
from taggraph.core.similar import similar_products
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.settings import Settings

RESULTS = Path(__file__).parent / "results" / "api.json"
BEAUTY = Path(__file__).resolve().parents[2] / "shared" / "data" / "recsys" / "Beauty.txt"
KEY = "bench-read-key-0123456789"
PORT = 18080
SERVICE_LOG = Path("/tmp/taggraph-bench-api-serve.log")
SAMPLE = 5000
BATCH_USERS = 100
BATCH_CONCURRENCY = 4
BATCH_TEXTS = 16
"""Texts per encoder batch in the text runtime rows: 16 clients' searches answered together."""
READY_IN_A_ROW = 10
"""Ready answers in a row, per worker, before the load starts (each worker loads on its own)."""
ENDPOINTS = (
    "product_tags",
    "similar",
    "rec_products",
    "rec_tags",
    "rec_user",
    "tags_search",
    "tags_search_new",
    "tag_text",
    "batch_users",
)
Request = tuple[str, str, dict | None]


class Workload:
    """What requests draw from: products, tag pairs that products carry, users, product names."""

    def __init__(self, service: Service) -> None:
        catalog = service.current_serving().catalog
        rng = random.Random(0)
        self.products = rng.sample(catalog.product_ids, min(SAMPLE, len(catalog)))
        pairs = []
        for product in self.products:
            row = catalog.features[catalog.position[product]]
            tags = [catalog.feature_ids[c] for c in row.indices if catalog.feature_kinds[c] == "tag"]
            if len(tags) >= 2:
                pairs.append(tuple(rng.sample(sorted(tags), 2)))
        self.tag_pairs = pairs
        users = [line.split()[0] for line in BEAUTY.read_text().splitlines() if line.strip()]
        self.users = [f"beauty:{user}" for user in rng.sample(users, min(SAMPLE, len(users)))]
        self.names = [
            catalog.names[catalog.position[p]] for p in self.products if catalog.names[catalog.position[p]]
        ]
        self.words = sorted({word for name in self.names for word in name.split()})

    def request(self, name: str, rng: random.Random) -> Request:
        """One HTTP request of endpoint ``name``."""
        product = rng.choice(self.products)
        if name == "product_tags":
            return "GET", f"/v1/products/{product}/tags", None
        if name == "similar":
            return "GET", f"/v1/products/{product}/similar?k=10", None
        if name == "rec_products":
            return "POST", "/v1/recommendations", {"product_ids": [product], "k": 10}
        if name == "rec_tags":
            return "POST", "/v1/recommendations", {"tags": list(rng.choice(self.tag_pairs)), "k": 10}
        if name == "rec_user":
            return "POST", "/v1/recommendations", {"user_id": rng.choice(self.users), "k": 10}
        if name == "tags_search":
            words = rng.choice(self.names).split()
            return "GET", "/v1/tags/search?" + httpx.QueryParams({"q": " ".join(words[-2:])}).__str__(), None
        if name == "tags_search_new":
            query = " ".join(rng.sample(self.words, 2))
            return "GET", "/v1/tags/search?" + httpx.QueryParams({"q": query}).__str__(), None
        if name == "tag_text":
            return "POST", "/v1/tag", {"title": rng.choice(self.names), "source": "myntra"}
        users = rng.sample(self.users, BATCH_USERS)
        return "POST", "/v1/recommendations/batch", {"queries": [{"user_id": u, "k": 10} for u in users]}

    def in_process(
        self, name: str, executor: GraphExecutor, service: Service
    ) -> Callable[[random.Random], Any] | None:
        """What the route runs, without HTTP; None for the text routes (their batching lives in the service)."""
        if name == "product_tags":
            return lambda rng: executor.read("read/product_tags", product_id=rng.choice(self.products))
        if name == "similar":
            return lambda rng: similar_products(service, rng.choice(self.products), 10)
        queries: dict[str, Callable[[random.Random], RecommendationQuery]] = {
            "rec_products": lambda rng: RecommendationQuery(product_ids=(rng.choice(self.products),)),
            "rec_tags": lambda rng: RecommendationQuery(tags=rng.choice(self.tag_pairs)),
            "rec_user": lambda rng: RecommendationQuery(user_id=rng.choice(self.users)),
        }
        if name in queries:
            return lambda rng: recommend_for(service, queries[name](rng))
        return None


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


async def http_load(
    make: Callable[[random.Random], Request], concurrency: int, seconds: float, warmup: float
) -> dict:
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
                    ok = await exchange(reader, writer, encode(*make(rng))) == 200
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


def in_process_load(
    call: Callable[[random.Random], object], concurrency: int, seconds: float, warmup: float
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
                call(rng)
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
        "TAGGRAPH_API_PORT": str(PORT),
    }
    with SERVICE_LOG.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "taggraph.jobs.cli", "serve", "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 600
    in_a_row = 0
    while time.monotonic() < deadline:
        try:  # a new connection each time, so every worker gets asked
            ready = httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2)
            in_a_row = in_a_row + 1 if ready.status_code == 200 else 0
        except httpx.HTTPError:
            in_a_row = 0
        if in_a_row >= READY_IN_A_ROW * workers:
            return process
        time.sleep(0.2 if in_a_row else 1)
    process.kill()
    raise SystemExit(f"the service did not become ready in 600 s; its log: {SERVICE_LOG}")


def batch_ms(embedder: Any, texts: list[str], busy: bool, budget_s: float = 5.0) -> float:
    """Median ms of one ``embedder.embed(texts)``, beside a thread running Python when ``busy``."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    spinner = threading.Thread(target=spin, daemon=True)
    if busy:
        spinner.start()
    try:
        embedder.embed(texts)
        times: list[float] = []
        deadline = time.perf_counter() + budget_s
        while len(times) < 3 or (time.perf_counter() < deadline and len(times) < 50):
            started = time.perf_counter()
            embedder.embed(texts)
            times.append(time.perf_counter() - started)
    finally:
        stop.set()
        if busy:
            spinner.join()
    return 1000 * float(np.median(times))


def text_runtimes(settings: Settings, texts: list[str]) -> dict[str, dict[str, float]]:
    """The linker's encoder on ``texts`` in PyTorch and ONNX Runtime (one thread each), alone and contended."""
    import torch

    from taggraph.encoders.embedder import TextEmbedder
    from taggraph.encoders.onnx_embedder import onnx_embedder

    torch.set_num_threads(1)
    embedder = TextEmbedder(settings.encoder)
    runtimes = {"torch": embedder, "onnx": onnx_embedder(embedder, settings.api.onnx_cache_dir, threads=1)}
    measured = {
        name: {
            "alone_ms": batch_ms(model, texts, busy=False),
            "busy_thread_ms": batch_ms(model, texts, busy=True),
        }
        for name, model in runtimes.items()
    }
    for name, row in measured.items():
        print(
            f"encoder, {len(texts)} texts, {name:<5}: alone {row['alone_ms']:6.1f} ms, "
            f"beside a busy Python thread {row['busy_thread_ms']:7.1f} ms",
            flush=True,
        )
    return measured


def cpu_model() -> str:
    """The CPU's model name and whether it has AVX-512 BF16."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    name = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    return f"{name}{' (avx512_bf16)' if 'avx512_bf16' in info else ' (no avx512_bf16)'}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 16, 64])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--endpoints", nargs="+", default=list(ENDPOINTS), choices=ENDPOINTS)
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON to write")
    args = parser.parse_args()
    settings = Settings()
    rows = []
    with create_driver(settings.neo4j) as driver:
        executor = GraphExecutor.from_settings(driver, settings.neo4j)
        executor.verify()
        started = time.perf_counter()
        service = Service(settings, executor, load_pseudonymiser(settings))
        service.reload()
        catalog_seconds = time.perf_counter() - started
        serving = service.current_serving()
        if len(serving.catalog) < 10_000:
            raise SystemExit(
                f"only {len(serving.catalog)} products in the graph; ingest the full files first"
            )
        workload = Workload(service)
        loaded = service.loaded().names()
        needs = {
            "rec_user": "recommender",
            "batch_users": "recommender",
            "tags_search": "linker",
            "tags_search_new": "linker",
            "tag_text": "tagger/myntra",
        }
        endpoints = [name for name in args.endpoints if needs.get(name, "catalog") in [*loaded, "catalog"]]
        skipped = sorted(set(args.endpoints) - set(endpoints))
        runtimes = text_runtimes(settings, workload.names[:BATCH_TEXTS])
        process = start_service(args.workers)
        try:
            for name in endpoints:
                levels = [BATCH_CONCURRENCY] if name == "batch_users" else args.concurrency
                call = workload.in_process(name, executor, service)
                for concurrency in levels:
                    make = lambda rng, name=name: workload.request(name, rng)  # noqa: E731
                    via_http = asyncio.run(http_load(make, concurrency, args.seconds, args.warmup))
                    direct = in_process_load(call, concurrency, args.seconds, args.warmup) if call else None
                    rows.append(
                        {"endpoint": name, "concurrency": concurrency, "http": via_http, "in_process": direct}
                    )
                    print(
                        f"{name:<14} c={concurrency:<3} http {via_http['rps']:7.1f}/s p50 {via_http['p50_ms']:6.1f} "
                        f"p99 {via_http['p99_ms']:6.1f} err {via_http['errors']}"
                        + (
                            f" | in-process {direct['rps']:7.1f}/s p99 {direct['p99_ms']:6.1f}"
                            if direct
                            else ""
                        ),
                        flush=True,
                    )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    print(
        f"\n{'endpoint':<14} {'conc':>4} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} | "
        f"{'in-process req/s':>16} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for row in rows:
        http, direct = row["http"], row["in_process"]
        inner = (
            f"{direct['rps']:>16.1f} {direct['p50_ms']:>7.1f} {direct['p99_ms']:>7.1f}"
            if direct
            else f"{'-':>16}"
        )
        print(
            f"{row['endpoint']:<14} {row['concurrency']:>4} {http['rps']:>8.1f} {http['p50_ms']:>7.1f} "
            f"{http['p99_ms']:>7.1f} {http['errors']:>6} | {inner}"
        )
    if skipped:
        print(f"skipped (model not loaded): {', '.join(skipped)}")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(
        json.dumps(
            {
                "products": len(serving.catalog),
                "users": len(serving.catalog.histories),
                "catalog_read_seconds": serving.built_s,
                "models_and_catalog_seconds": catalog_seconds,
                "loaded": loaded,
                "skipped": skipped,
                "workers": args.workers,
                "seconds": args.seconds,
                "cores": os.cpu_count(),
                "cpu": cpu_model(),
                "text_runtime": runtimes,
                "rows": [
                    {
                        "method": row["endpoint"],
                        "concurrency": row["concurrency"],
                        "p99_ms": row["http"]["p99_ms"],
                        "errors": row["http"]["errors"],
                        **row,
                    }
                    for row in rows
                ],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

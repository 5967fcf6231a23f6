"""Linker benchmark: Abt-Buy entity linking with NIL, beside three peers, a robustness table on
the graph's tag names, and the index's cost at 10k, 100k and 1M entities.

The scale part uses synthetic unit vectors (384-d Gaussian clusters of about 50 points, queries
are indexed points with a little noise): exact inner-product search gives the truth, HNSW (M=32,
efConstruction 80) is timed and scored at several efSearch values: recall@10 against the exact top
10, and how often the indexed point a query was made from (cosine about 0.96) is in the top 10.

Abt-Buy protocol (as ../shared/data/README.md): the first record of each multi-record entity is
written to the graph as an entity (a Tag of kind `abt_buy` with its description, removed again at
the end); the other
records, by name only, are queries; single-record entities are NIL queries. Queries with an even
sha1(name + cluster_id) tune the scorer and thresholds, odd ones are the test (669, 216 NIL).

Usage (needs the configured Neo4j running, ideally with the full Myntra and Flipkart files
ingested, whose tags the robustness table perturbs):
    python bench/linker.py [--scale 10000 100000 1000000] [--skip-robustness]
Prints tables and writes bench/results/linker.json (parts not run keep their earlier figures).
"""

import argparse
import collections
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import faiss
import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from taggraph.core.entities import read_entities
from taggraph.encoders.embedder import TextEmbedder
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.schema import apply_schema
from taggraph.jobs.linking.graph import write_entities
from taggraph.linker.entities import Entity
from taggraph.linker.index import EntityIndex
from taggraph.linker.linker import Linker
from taggraph.linker.scoring import LinkScorer
from taggraph.linker.text import normalise
from taggraph.linker.tuning import PERTURBATIONS, graph_tuning_set, perturb
from taggraph.settings import Settings

RESULTS = Path(__file__).parent / "results" / "linker.json"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "linking" / "abt-buy_clusters.ndjson"
KIND = "abt_buy"


def abt_buy() -> tuple[list[Entity], list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    clusters = collections.defaultdict(list)
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        clusters[row["cluster_id"]].append(row)
    entities = [
        Entity(f"abt_buy:{cid}", KIND, rows[0]["name"], (), rows[0]["description"])
        for cid, rows in clusters.items()
        if len(rows) > 1
    ]
    queries = [
        (row["name"], cid, f"abt_buy:{cid}")
        for cid, rows in clusters.items()
        if len(rows) > 1
        for row in rows[1:]
    ]
    queries += [(rows[0]["name"], cid, None) for cid, rows in clusters.items() if len(rows) == 1]
    tune, test = [], []
    for name, cid, gold in queries:
        (test if int(hashlib.sha1(f"{name}{cid}".encode()).hexdigest(), 16) % 2 else tune).append(
            (name, gold)
        )
    return entities, tune, test


def best_threshold(top_scores: np.ndarray, top_correct: np.ndarray, linkable: np.ndarray) -> float:
    candidates = np.unique(top_scores)
    accuracy = [np.mean(np.where(top_scores >= t, top_correct, ~linkable)) for t in candidates]
    return float(candidates[int(np.argmax(accuracy))])


def metrics(
    ranked: list[list[str]], decided: list[str | None], gold: list[str | None], seconds: float
) -> dict:
    linkable = np.array([g is not None for g in gold])
    top1 = np.array([bool(r) and r[0] == g for r, g in zip(ranked, gold, strict=True)])
    top10 = np.array([g in r[:10] for r, g in zip(ranked, gold, strict=True)])
    predicted_nil = np.array([d is None for d in decided])
    right = np.array([d == g for d, g in zip(decided, gold, strict=True)])
    nil_tp = np.sum(predicted_nil & ~linkable)
    precision = nil_tp / max(1, predicted_nil.sum())
    recall = nil_tp / max(1, (~linkable).sum())
    return {
        "acc_at_1": float(top1[linkable].mean()),
        "recall_at_10": float(top10[linkable].mean()),
        "nil_precision": float(precision),
        "nil_recall": float(recall),
        "nil_f1": float(2 * precision * recall / max(1e-9, precision + recall)),
        "overall_accuracy": float(right.mean()),
        "links_per_s": len(gold) / seconds if seconds else None,
    }


class Peer:
    """A peer method: scores every entity for a query; NIL below a tuned threshold."""

    def __init__(self, name: str, entities: list[Entity], score) -> None:
        self.name, self.entities, self.score = name, entities, score
        self.threshold = 0.0

    def rank(self, queries: list[str]) -> tuple[list[list[str]], np.ndarray]:
        scores = self.score(queries)
        order = np.argsort(-scores, axis=1)[:, :10]
        ranked = [[self.entities[j].id for j in row] for row in order]
        return ranked, np.take_along_axis(scores, order[:, :1], axis=1).ravel()

    def tune(self, queries: list[str], gold: list[str | None]) -> None:
        ranked, top = self.rank(queries)
        self.threshold = best_threshold(
            top,
            np.array([r[0] == g for r, g in zip(ranked, gold, strict=True)]),
            np.array([g is not None for g in gold]),
        )

    def run(self, queries: list[str], gold: list[str | None]) -> dict:
        started = time.perf_counter()
        ranked, top = self.rank(queries)
        decided = [r[0] if s >= self.threshold else None for r, s in zip(ranked, top, strict=True)]
        return metrics(ranked, decided, gold, time.perf_counter() - started)


def exact_scores(entities: list[Entity]):
    names = collections.defaultdict(list)
    for j, entity in enumerate(entities):
        names[normalise(entity.name)].append(j)

    def score(queries: list[str]) -> np.ndarray:
        out = np.zeros((len(queries), len(entities)), dtype=np.float32)
        for i, query in enumerate(queries):
            out[i, names.get(normalise(query), [])] = 1.0
        return out

    return score


def rapidfuzz_scores(entities: list[Entity]):
    names = [entity.name for entity in entities]
    return lambda queries: (
        process.cdist(queries, names, scorer=fuzz.token_set_ratio, workers=1).astype(np.float32) / 100
    )


def tfidf_scores(entities: list[Entity], with_description: bool):
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    matrix = vectorizer.fit_transform([(e.context if with_description else e.name).lower() for e in entities])
    return lambda queries: (
        (vectorizer.transform([q.lower() for q in queries]) @ matrix.T).toarray().astype(np.float32)
    )


def run_linker(linker: Linker, queries: list[str], kinds: list[str | None], gold: list[str | None]) -> dict:
    started = time.perf_counter()
    results = linker.link(queries, kinds)
    seconds = time.perf_counter() - started
    ranked = [
        [entity for entity, _ in result.candidates] or ([result.entity_id] if result.entity_id else [])
        for result in results
    ]
    return metrics(ranked, [result.entity_id for result in results], gold, seconds)


def robustness(executor: GraphExecutor, embedder: TextEmbedder) -> dict:
    """Perturbed names of half the graph's tags, linked with a scorer tuned on the other half only.

    The scorer is fit the way `taggraph linker build` fits it (graph_tuning_set), on the
    entities whose id hash is even; the queries are perturbations of the odd half's tag names,
    linked against an index of every entity. "decided" counts a NIL answer as wrong; "top-1"
    is the best-ranked candidate, comparable with the peers' argmax.
    """
    entities = [e for e in read_entities(executor) if e.kind != KIND]
    half = lambda e: int(hashlib.sha1(f"robustness:{e.id}".encode()).hexdigest(), 16) % 2  # noqa: E731
    tuning = graph_tuning_set([e for e in entities if half(e) == 0])
    tuner = Linker(EntityIndex.build(tuning.indexed, embedder), embedder, LinkScorer.untrained())
    scorer = tuner.tune(tuning.surfaces, tuning.kinds, tuning.gold)
    tags = [e for e in entities if e.id.startswith("tag:") and half(e) == 1]
    rng = random.Random(7)
    linker = Linker(EntityIndex.build(entities, embedder), embedder, scorer)
    table = {}
    by_kind = collections.defaultdict(list)
    for j, e in enumerate(entities):
        by_kind[e.kind].append(j)
    peers = {
        "RapidFuzz token_set_ratio": rapidfuzz_scores(entities),
        "TF-IDF char 3-5 cosine": tfidf_scores(entities, False),
    }
    for how in PERTURBATIONS:
        pairs = [(q, t) for t in tags if (q := perturb(t.name, how, rng)) is not None and q != t.name]
        queries, kinds, gold = [q for q, _ in pairs], [t.kind for _, t in pairs], [t.id for _, t in pairs]
        row = {"queries": len(pairs)}
        results = linker.link(queries, kinds)
        row["taggraph linker, decided"] = float(
            np.mean([r.entity_id == g for r, g in zip(results, gold, strict=True)])
        )
        row["taggraph linker, top-1"] = float(
            np.mean(
                [
                    (r.entity_id or (r.candidates[0][0] if r.candidates else None)) == g
                    for r, g in zip(results, gold, strict=True)
                ]
            )
        )
        for name, score in peers.items():
            scores = score(queries)
            hits = []
            for i, kind in enumerate(kinds):
                allowed = by_kind[kind]
                hits.append(entities[allowed[int(np.argmax(scores[i, allowed]))]].id == gold[i])
            row[name] = float(np.mean(hits))
        table[how] = row
    return {
        "entities": len(entities),
        "tags": len(tags),
        "tuning_queries": len(tuning.surfaces),
        "threshold": scorer.threshold,
        "by_perturbation": table,
    }


def scale(sizes: list[int], dimension: int = 384, queries: int = 1000) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for size in sizes:
        centres = rng.standard_normal((max(1, size // 50), dimension)).astype(np.float32)
        vectors = centres[rng.integers(0, len(centres), size)] + 0.6 * rng.standard_normal(
            (size, dimension)
        ).astype(np.float32)
        faiss.normalize_L2(vectors)
        sources = rng.integers(0, size, queries)
        noise = rng.standard_normal((queries, dimension)) * 0.3 / np.sqrt(dimension)
        probe = (vectors[sources] + noise).astype(np.float32)
        faiss.normalize_L2(probe)
        exact = faiss.IndexFlatIP(dimension)
        started = time.perf_counter()
        exact.add(vectors)
        exact_build = time.perf_counter() - started
        started = time.perf_counter()
        _, truth = exact.search(probe, 10)
        exact_latency = (time.perf_counter() - started) / queries
        hnsw = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        started = time.perf_counter()
        hnsw.add(vectors)
        hnsw_build = time.perf_counter() - started
        sweep = []
        for ef in (64, 128, 256, 512):
            hnsw.hnsw.efSearch = ef
            started = time.perf_counter()
            _, found = hnsw.search(probe, 10)
            latency = (time.perf_counter() - started) / queries
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)]))
            source_hit = float(np.mean([source in row for source, row in zip(sources, found, strict=True)]))
            sweep.append(
                {
                    "ef_search": ef,
                    "ms_per_query": latency * 1000,
                    "recall_at_10": recall,
                    "source_in_top_10": source_hit,
                }
            )
        exact_source_hit = float(np.mean([source in row for source, row in zip(sources, truth, strict=True)]))
        rows.append(
            {
                "entities": size,
                "exact_build_s": exact_build,
                "exact_ms_per_query": exact_latency * 1000,
                "exact_source_in_top_10": exact_source_hit,
                "exact_memory_mb": faiss.serialize_index(exact).nbytes / 2**20,
                "hnsw_build_s": hnsw_build,
                "hnsw_memory_mb": faiss.serialize_index(hnsw).nbytes / 2**20,
                "hnsw": sweep,
            }
        )
        print(
            f"  scale {size:>9,}: exact build {exact_build:6.1f} s, {exact_latency * 1000:7.2f} ms/query, "
            f"{rows[-1]['exact_memory_mb']:,.0f} MB; HNSW build {hnsw_build:7.1f} s, {rows[-1]['hnsw_memory_mb']:,.0f} MB; "
            + ", ".join(
                f"ef {r['ef_search']}: {r['ms_per_query']:.3f} ms R@10 {r['recall_at_10']:.3f} "
                f"source {r['source_in_top_10']:.3f}"
                for r in sweep
            ),
            flush=True,
        )
        del exact, hnsw, vectors
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--skip-robustness", action="store_true")
    args = parser.parse_args()
    faiss.omp_set_num_threads(2)
    results: dict = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    entities, tune, test = abt_buy()
    settings = Settings().neo4j
    embedder = TextEmbedder()
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        apply_schema(executor)
        executor.write("admin/delete_tags_of_kind", kind=KIND)
        write_entities(executor, entities)
        graph_entities = [e for e in read_entities(executor) if e.kind == KIND]
        print(
            f"Abt-Buy: {len(graph_entities)} entities read back from the graph, {len(tune)} tune / {len(test)} test queries "
            f"({sum(g is None for _, g in test)} NIL)",
            flush=True,
        )
        started = time.perf_counter()
        index = EntityIndex.build(graph_entities, embedder)
        linker = Linker(index, embedder, LinkScorer.untrained(), max_chars=1000)  # product names run long
        build_seconds = time.perf_counter() - started
        linker.tune([q for q, _ in tune], [KIND] * len(tune), [g for _, g in tune])
        test_queries, test_gold = [q for q, _ in test], [g for _, g in test]
        table = {
            "taggraph linker (MiniLM FAISS + char n-grams + codes, calibrated)": run_linker(
                linker, test_queries, [KIND] * len(test), test_gold
            )
        }
        table["taggraph linker"] = table.pop(next(iter(table)))
        table["taggraph linker"]["index_build_s"] = build_seconds
        peers = [
            Peer("exact normalised name", graph_entities, exact_scores(graph_entities)),
            Peer("RapidFuzz token_set_ratio", graph_entities, rapidfuzz_scores(graph_entities)),
            Peer("TF-IDF char 3-5, names", graph_entities, tfidf_scores(graph_entities, False)),
            Peer("TF-IDF char 3-5, name + description", graph_entities, tfidf_scores(graph_entities, True)),
        ]
        for peer in peers:
            started = time.perf_counter()
            peer.tune([q for q, _ in tune], [g for _, g in tune])
            table[peer.name] = peer.run(test_queries, test_gold)
        results["abt_buy"] = {
            "entities": len(graph_entities),
            "tune": len(tune),
            "test": len(test),
            "test_nil": sum(g is None for g in test_gold),
            "scorer": linker.scorer.to_json(),
            "methods": table,
        }
        print(
            f"{'method':<38} {'acc@1':>6} {'R@10':>6} {'NIL P':>6} {'NIL R':>6} {'NIL F1':>6} {'overall':>7} {'links/s':>8}"
        )
        for name, m in table.items():
            print(
                f"{name:<38} {m['acc_at_1']:>6.3f} {m['recall_at_10']:>6.3f} {m['nil_precision']:>6.3f} {m['nil_recall']:>6.3f} "
                f"{m['nil_f1']:>6.3f} {m['overall_accuracy']:>7.3f} {m['links_per_s'] or 0:>8.0f}"
            )
        if not args.skip_robustness:
            results["robustness"] = robustness(executor, embedder)
            rows = results["robustness"]["by_perturbation"]
            print(f"robustness on {results['robustness']['tags']} graph tag names (acc@1, kind-restricted):")
            for how, row in rows.items():
                print(
                    f"  {how:<14} n={row['queries']:>4}  "
                    + "  ".join(f"{k} {v:.3f}" for k, v in row.items() if k != "queries")
                )
        executor.write("admin/delete_tags_of_kind", kind=KIND)
    if args.scale:
        results["scale"] = scale(args.scale)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

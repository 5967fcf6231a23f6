"""Recommendation benchmark on Amazon Beauty (S3-Rec files), ingested through the `seq` source.

Protocol (as ../shared/data/README.md): per user, the last item is the test target and the
second-last the validation target; every model is fit on the rest. At test time a user's history
includes the validation item (as input only). Sampled metrics rank the target among 99 negatives
drawn uniformly from the items the user never interacted with (numpy default_rng(42); validation
negatives from default_rng(7)); ties count at their expected value under random tie-breaking.
Full-ranking metrics rank the target among every item the user has not interacted with before.

Methods, in one run on the same split: popularity, ItemKNN (cosine, k=1000, shrink 100), EASE
(lambda chosen on validation HR@10), LightGCN (PyG, 64-d, 3 layers, BPR), and taggraph's
graph model (`encoders/gnn/next_item.py`): LightGCN propagation over users, items and their
attribute tags, a user asked about through a recency-weighted mean of their latest items,
trained with a softmax over every item on each next-item position of the training sequences,
early-stopped on validation HR@10.

The `served` block measures each query kind of the recommendation service through its own
ranking functions (bench/served.py): a user's next items, item-to-item (seed products and
/similar) beside ItemKNN item-to-item and co-interaction counts, and tag queries beside the
former Cypher ranking.

Usage (needs the configured Neo4j running; ingests Beauty when it is missing):
    python bench/recsys.py [--epochs 30] [--lightgcn-epochs 40] [--served-only]
Prints a table and writes bench/results/recsys.json.
"""

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import served
import torch

from taggraph.core.identity import Pseudonymiser
from taggraph.core.ranking import ItemFusion, item_scores
from taggraph.core.serving_fit import expected_hit_and_ndcg, sample_negatives
from taggraph.encoders.gnn.next_item import InteractionGraph, NextItemConfig, train_next_item
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.export import HAS_TAG, INTERACTED, read_snapshot
from taggraph.graph.schema import apply_schema
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from taggraph.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "recsys" / "Beauty.txt"
RESULTS = Path(__file__).parent / "results" / "recsys.json"
NEGATIVES = 99
Scorer = Callable[[np.ndarray, sp.csr_matrix], np.ndarray]  # users, history -> [len(users), items]


class Split:
    """Leave-one-out split of the sequences read back from the graph."""

    def __init__(self, executor: GraphExecutor) -> None:
        snapshot = read_snapshot(executor, ["beauty"])
        self.snapshot = snapshot
        table = snapshot.edges[INTERACTED]
        order = np.lexsort((np.asarray(table.properties["ts"]), table.source))
        users, items = table.source[order], table.target[order]
        self.n_users, self.n_items = len(snapshot.ids["user"]), len(snapshot.ids["product"])
        starts = np.searchsorted(users, np.arange(self.n_users + 1))
        keep = np.diff(starts) >= 3
        self.users = np.flatnonzero(keep)
        self.sequences: list[list[int]] = [[] for _ in range(self.n_users)]
        train_pairs, self.validation, self.test = [], [], []
        train_edges, validation_edges = np.zeros(len(table), dtype=bool), np.zeros(len(table), dtype=bool)
        for user in self.users:
            train_edges[order[starts[user] : starts[user + 1] - 2]] = True
            validation_edges[order[starts[user + 1] - 2]] = True
        self.history_edges = {"validation": train_edges, "test": train_edges | validation_edges}
        for user in self.users:
            sequence = items[starts[user] : starts[user + 1]]
            self.sequences[user] = sequence.tolist()
            train_pairs += [(user, item) for item in sequence[:-2]]
            self.validation.append(sequence[-2])
            self.test.append(sequence[-1])
        self.validation, self.test = np.array(self.validation), np.array(self.test)
        pairs = np.array(train_pairs)
        self.train = self._matrix(pairs)
        self.train_and_validation = self._matrix(
            np.vstack([pairs, np.stack([self.users, self.validation], 1)])
        )
        tags = snapshot.edges[HAS_TAG]
        self.item_tags = (tags.source, tags.target, len(snapshot.ids["tag"]))
        seen = self._matrix(np.stack([users, items], 1))
        taken = [set(seen[user].indices.tolist()) for user in self.users]
        self.negatives = {
            "test": sample_negatives(taken, self.n_items, 42),
            "validation": sample_negatives(taken, self.n_items, 7),
        }

    def _matrix(self, pairs: np.ndarray) -> sp.csr_matrix:
        data = np.ones(len(pairs), dtype=np.float32)
        matrix = sp.csr_matrix((data, (pairs[:, 0], pairs[:, 1])), shape=(self.n_users, self.n_items))
        matrix.data[:] = 1.0
        return matrix


def evaluate(split: Split, score: Scorer, stage: str, batch: int = 2048) -> dict[str, float]:
    history = split.train if stage == "validation" else split.train_and_validation
    targets = split.validation if stage == "validation" else split.test
    negatives = split.negatives[stage]
    sampled, full = {"hr10": [], "ndcg10": []}, {"hr10": [], "ndcg10": [], "recall20": [], "ndcg20": []}
    for start in range(0, len(split.users), batch):
        users = split.users[start : start + batch]
        scores = score(users, history)
        rows = np.arange(len(users))
        target = scores[rows, targets[start : start + batch]]
        negative = np.take_along_axis(scores, negatives[start : start + batch], axis=1)
        hit, gain = expected_hit_and_ndcg(
            (negative > target[:, None]).sum(1), (negative == target[:, None]).sum(1), 10
        )
        sampled["hr10"].append(hit)
        sampled["ndcg10"].append(gain)
        masked = scores.copy()
        seen = history[users]
        masked[seen.nonzero()] = -np.inf
        masked[rows, targets[start : start + batch]] = target
        greater = (masked > target[:, None]).sum(1)
        equal = (masked == target[:, None]).sum(1) - 1
        for k in (10, 20):
            hit, gain = expected_hit_and_ndcg(greater, equal, k)
            full["hr10" if k == 10 else "recall20"].append(hit)
            full["ndcg10" if k == 10 else "ndcg20"].append(gain)
    result = {f"sampled_{key}": float(np.concatenate(v).mean()) for key, v in sampled.items()}
    return result | {f"full_{key}": float(np.concatenate(v).mean()) for key, v in full.items()}


def popularity(split: Split) -> Scorer:
    counts = np.asarray(split.train.sum(0)).ravel()
    return lambda users, history: np.tile(counts, (len(users), 1))


def item_knn(split: Split, k: int = 1000, shrink: float = 100.0) -> Scorer:
    similarity = item_knn_similarity(split.train, k, shrink)
    return lambda users, history: np.asarray(history[users] @ similarity)


def item_knn_similarity(history: sp.csr_matrix, k: int = 1000, shrink: float = 100.0) -> np.ndarray:
    """Cosine item similarity with shrinkage, each item's ``k`` nearest kept."""
    x = history.tocsc()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(0)).ravel())
    overlap = (x.T @ x).toarray()
    np.fill_diagonal(overlap, 0.0)
    similarity = overlap / (np.outer(norms, norms) + shrink + 1e-9)
    if k < similarity.shape[0]:
        cut = np.partition(similarity, -k, axis=0)[-k]
        similarity[similarity < cut[None, :]] = 0.0
    return similarity


def ease(split: Split, lam: float) -> Scorer:
    x = split.train
    gram = (x.T @ x).toarray().astype(np.float64)
    gram[np.diag_indices_from(gram)] += lam
    inverse = np.linalg.inv(gram)
    weights = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(weights, 0.0)
    weights = weights.astype(np.float32)
    return lambda users, history: np.asarray(history[users] @ weights)


def lightgcn(split: Split, epochs: int, seed: int = 0) -> tuple[Scorer, float]:
    from torch_geometric.nn import LightGCN

    torch.manual_seed(seed)
    n_users = split.n_users
    users, items = split.train.nonzero()

    def edges(matrix: sp.csr_matrix) -> torch.Tensor:
        u, i = matrix.nonzero()
        forward = torch.tensor(np.stack([u, i + n_users]), dtype=torch.long)
        return torch.cat([forward, forward.flip(0)], 1)

    model = LightGCN(n_users + split.n_items, embedding_dim=64, num_layers=3)
    optimiser = torch.optim.Adam(model.parameters(), lr=5e-3)
    train_edges = edges(split.train)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(users))
        for start in range(0, len(order), 8192):
            batch = order[start : start + 8192]
            negatives = rng.integers(split.n_items, size=len(batch))
            index = torch.tensor(
                np.stack([users[batch], items[batch] + n_users, negatives + n_users]), dtype=torch.long
            )
            embedding = model.get_embedding(train_edges)  # one propagation for both scores
            pos = (embedding[index[0]] * embedding[index[1]]).sum(-1)
            neg = (embedding[index[0]] * embedding[index[2]]).sum(-1)
            loss = model.recommendation_loss(pos, neg, node_id=index.unique(), lambda_reg=1e-4)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    seconds = time.perf_counter() - started
    model.eval()

    def score(query: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        with torch.no_grad():
            embedding = model.get_embedding(edges(history))
        return (embedding[torch.from_numpy(query)] @ embedding[n_users:].T).numpy()

    return score, seconds


def graph_model(split: Split, epochs: int, seed: int = 0) -> tuple[Scorer, float, int]:
    sources, targets, n_tags = split.item_tags
    base = InteractionGraph(
        split.n_users, split.n_items, n_tags, [], torch.tensor(np.stack([sources, targets]))
    )
    graphs = {  # the interactions each stage may see, as the history matrices of `evaluate`
        id(split.train): base.with_sequences([s[:-2] for s in split.sequences]),
        id(split.train_and_validation): base.with_sequences([s[:-1] for s in split.sequences]),
    }

    def scorer(trained) -> Scorer:
        scorers: dict[int, Callable] = {}

        def score(users: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
            if id(history) not in scorers:
                scorers[id(history)] = trained.scorer(graphs[id(history)])
            return scorers[id(history)](users)

        return score

    config = NextItemConfig(hidden=64, layers=2, recent=5, epochs=epochs, seed=seed)
    started = time.perf_counter()
    trained = train_next_item(
        graphs[id(split.train)],
        config,
        lambda model: evaluate(split, scorer(model), "validation")["sampled_hr10"],
    )
    seconds = time.perf_counter() - started
    return scorer(trained), seconds, int(trained.history[-1]["epoch"]), (trained, config, graphs)


def measure_served(split: Split, trained, config, graphs: dict, offline: dict) -> dict:
    """Each query kind through the service's ranking functions (bench/served.py), in one table."""
    stages = {stage: served.stage_index(split, stage) for stage in ("validation", "test")}
    history = {"validation": split.train, "test": split.train_and_validation}
    models = {
        stage: served.model_view(trained, graphs[id(history[stage])], config, split, stages[stage])
        for stage in stages
    }
    block: dict = {}
    user = evaluate(split, served.user_scorer(split, stages["test"], models["test"]), "test")
    block["user_id"] = user | {"offline": {k: offline[k] for k in user}}
    fusion, fit = served.fit_fusion(split, stages["validation"], models["validation"])
    test_seeds = served.seeds(split, "test")

    def item_to_item(rank) -> dict:
        return evaluate(split, served.item_scorer(split, "test", lambda row: test_seeds[row], rank), "test")

    rows = {
        "served item-to-item (fused, fit on validation)": item_to_item(
            lambda seed: item_scores(stages["test"], models["test"], [seed], fusion)[0]
        ),
        "served item-to-item, unfitted weights": item_to_item(
            lambda seed: item_scores(stages["test"], models["test"], [seed], ItemFusion())[0]
        ),
        "ItemKNN item-to-item (cosine, k=1000, shrink 100)": item_to_item(
            served.knn_row(item_knn_similarity(split.train_and_validation))
        ),
        "co-interaction counts": item_to_item(served.co_row(split.train_and_validation)),
    }
    block["product_ids"] = {"fusion": fit, "methods": rows}
    block["similar"] = {"same_as": "product_ids", "methods": rows}
    block["tags"] = served.tag_benchmark(split, stages["validation"])
    print("\nserved query kinds (Beauty test users):")
    print(
        f"  user_id: HR@10 {user['sampled_hr10']:.4f} (offline {offline['sampled_hr10']:.4f}), "
        f"full R@20 {user['full_recall20']:.4f} (offline {offline['full_recall20']:.4f})"
    )
    for name, m in rows.items():
        print(f"  {name:<52} HR@10 {m['sampled_hr10']:.4f}  full R@20 {m['full_recall20']:.4f}")
    for name, m in block["tags"]["methods"].items():
        print(f"  tags: {name:<58} P@10 {m['precision_at_10']:.4f}  NDCG@10 {m['ndcg10']:.4f}")
    return block


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lightgcn-epochs", type=int, default=40)
    parser.add_argument("--work", type=Path, default=Path("/tmp/taggraph-bench-recsys"))
    parser.add_argument(
        "--served-only",
        action="store_true",
        help="train taggraph's model and measure only the served query kinds; the `served` block of "
        "recsys.json is replaced and the peers' table kept from its last full run",
    )
    args = parser.parse_args()
    torch.set_num_threads(2)
    settings = Settings().neo4j
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        apply_schema(executor)
        source = SequenceSource(SourceContext(Pseudonymiser(b"benchmark-key-0123456789abcdef")))
        run_ingest(
            source, DATA, BatchWriter(executor, 5000), args.work / "rejects", args.work / "state", 5000
        )
        split = Split(executor)
    print(
        f"Beauty: {len(split.users):,} users, {split.n_items:,} items, {split.train.nnz:,} training interactions"
    )
    rows: dict[str, dict] = {}

    def run(name: str, build: Callable[[], tuple[Scorer, dict]]) -> None:
        started = time.perf_counter()
        score, extra = build()
        fit = time.perf_counter() - started
        rows[name] = evaluate(split, score, "test") | {"fit_seconds": fit} | extra
        print(
            f"{name:<32} " + " ".join(f"{k}={v:.4f}" for k, v in rows[name].items() if isinstance(v, float)),
            flush=True,
        )

    if args.served_only:
        score, seconds, epochs, model = graph_model(split, args.epochs)
        offline = evaluate(split, score, "test") | {"train_seconds": seconds, "epochs": epochs}
        block = measure_served(split, *model, offline) | {"epochs": epochs, "max_epochs": args.epochs}
        kept_results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        RESULTS.write_text(json.dumps(kept_results | {"served": block}, indent=2, default=str) + "\n")
        print(f"wrote the served block of {RESULTS}")
        return 0
    run("popularity", lambda: (popularity(split), {}))
    run("ItemKNN (cosine, k=1000, shrink 100)", lambda: (item_knn(split), {}))

    def tuned_ease() -> tuple[Scorer, dict]:
        tried = {
            lam: evaluate(split, ease(split, lam), "validation")["sampled_hr10"]
            for lam in (50.0, 500.0, 2000.0)
        }
        best = max(tried, key=tried.get)
        return ease(split, best), {"lambda": best, "validation_hr10": tried}

    run("EASE", tuned_ease)
    run(
        "LightGCN (PyG, 64-d, 3 layers)",
        lambda: (lambda s: (s[0], {"train_seconds": s[1]}))(lightgcn(split, args.lightgcn_epochs)),
    )
    kept: dict = {}

    def taggraph_model() -> tuple[Scorer, dict]:
        score, seconds, epochs, kept["model"] = graph_model(split, args.epochs)
        return score, {"train_seconds": seconds, "epochs": epochs}

    run("taggraph GNN (users, items, tags)", taggraph_model)
    served_block = measure_served(split, *kept["model"], rows["taggraph GNN (users, items, tags)"])
    print(
        f"\n{'method':<36} {'HR@10':>7} {'NDCG@10':>8} | {'full HR@10':>10} {'NDCG@10':>8} {'R@20':>7} {'NDCG@20':>8} | fit s"
    )
    for name, m in rows.items():
        print(
            f"{name:<36} {m['sampled_hr10']:>7.4f} {m['sampled_ndcg10']:>8.4f} | {m['full_hr10']:>10.4f} "
            f"{m['full_ndcg10']:>8.4f} {m['full_recall20']:>7.4f} {m['full_ndcg20']:>8.4f} | {m['fit_seconds']:.0f}"
        )
    print("published (sampled): S3-Rec HR@10 0.5506 NDCG@10 0.3732; SASRec 0.4696 / 0.3156")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "users": len(split.users),
                "items": split.n_items,
                "methods": rows,
                "served": served_block,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            },
            indent=2,
            default=str,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

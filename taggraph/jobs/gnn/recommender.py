"""Next-item recommendations learned from the graph's interactions: train, validate, keep the model."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import torch

from taggraph.core.catalog_index import index_of_snapshot
from taggraph.core.loaded_models import LoadedRecommender
from taggraph.core.ranking import ModelView
from taggraph.core.serving_fit import NEGATIVES, fit_item_fusion, fit_popularity_exponent, sample_negatives
from taggraph.encoders.gnn.next_item import (
    InteractionGraph,
    NextItemConfig,
    TrainedNextItemModel,
    train_next_item,
)
from taggraph.encoders.gnn.recommender import NextItemRanker
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.export import HAS_TAG, INTERACTED, GraphSnapshot, read_snapshot
from taggraph.jobs.gnn.dataset import FACT
from taggraph.jobs.runs import record_run

TOP = 10


@dataclass
class RecommenderReport:
    """What training measured.

    Attributes:
        run_id: The ``(:ModelRun)`` id.
        users: Users with interactions; ``validation_users`` of them had their last one held out.
        validation_users: Users scored on their held-out last interaction.
        items: Products the model ranks.
        hit_rate: Validation HR@10 over every item the user had not taken.
        ndcg: Validation NDCG@10, the same way.
        epochs: Epochs run.
        seconds: Training time.

    """

    run_id: str
    users: int
    validation_users: int
    items: int
    hit_rate: float
    ndcg: float
    epochs: int
    seconds: float


def interactions(snapshot: GraphSnapshot) -> InteractionGraph:
    """Each user's products in time order (ties by product index) and the products' fact tags."""
    table = snapshot.edges[INTERACTED]
    times = np.array([ts if ts is not None else 0 for ts in table.properties.get("ts", [])], dtype=np.float64)
    order = np.lexsort((table.target, times, table.source)) if len(table) else np.zeros(0, dtype=np.int64)
    users, items = table.source[order], table.target[order]
    sequences: list[list[int]] = [[] for _ in snapshot.ids["user"]]
    for user, item in zip(users.tolist(), items.tolist(), strict=True):
        sequences[user].append(item)
    tags = snapshot.edges[HAS_TAG]
    facts = np.array([status == FACT for status in tags.properties.get("status", [])], dtype=bool)
    item_tags = torch.from_numpy(np.stack([tags.source[facts], tags.target[facts]]).astype(np.int64))
    return InteractionGraph(
        len(snapshot.ids["user"]),
        len(snapshot.ids["product"]),
        len(snapshot.ids["tag"]),
        sequences,
        item_tags,
    )


def held_out_last(graph: InteractionGraph) -> tuple[InteractionGraph, np.ndarray, np.ndarray]:
    """The graph without each user's last interaction (users with 3 or more), those users and items."""
    users = np.array([u for u, s in enumerate(graph.sequences) if len(s) >= 3], dtype=np.int64)
    targets = np.array([graph.sequences[u][-1] for u in users], dtype=np.int64)
    kept = [s[:-1] if len(s) >= 3 else list(s) for s in graph.sequences]
    return graph.with_sequences(kept), users, targets


def top_k_quality(
    score: Callable[[np.ndarray], np.ndarray], graph: InteractionGraph, users: np.ndarray, targets: np.ndarray
) -> tuple[float, float]:
    """HR@10 and NDCG@10 of ``targets`` among every item each user has not taken in ``graph``."""
    hits, gains = [], []
    for start in range(0, len(users), 2048):
        batch = users[start : start + 2048]
        scores = score(batch)
        target = targets[start : start + 2048]
        target_scores = scores[np.arange(len(batch)), target]
        for row, user in enumerate(batch):
            scores[row, graph.sequences[user]] = -np.inf  # a repeat of the target still counts
        rank = (scores > target_scores[:, None]).sum(1)
        hits.append(rank < TOP)
        gains.append(np.where(rank < TOP, 1.0 / np.log2(rank + 2.0), 0.0))
    if not hits:
        return 0.0, 0.0
    return float(np.concatenate(hits).mean()), float(np.concatenate(gains).mean())


def held_out_last_edges(snapshot: GraphSnapshot) -> np.ndarray:
    """A mask of the interactions that are not a user's last (of users with 3 or more), as held_out_last."""
    table = snapshot.edges[INTERACTED]
    keep = np.ones(len(table), dtype=bool)
    if not len(table):
        return keep
    times = np.array([ts if ts is not None else 0 for ts in table.properties.get("ts", [])], dtype=np.float64)
    order = np.lexsort((table.target, times, table.source))
    counts = np.bincount(table.source, minlength=len(snapshot.ids["user"]))
    last = np.searchsorted(table.source[order], np.arange(len(counts)), side="right") - 1
    keep[order[last[counts >= 3]]] = False
    return keep


def fit_serving(ranker: NextItemRanker, snapshot: GraphSnapshot, train: InteractionGraph) -> dict:
    """Fit the item-to-item fusion weights and the popularity prior on each user's held-out last item.

    Args:
        ranker: The model with item vectors over the training interactions only.
        snapshot: The graph (every interaction).
        train: The interactions without each held-out last one, as the model trained on them.

    Returns:
        ``item_fusion`` (part -> weight), ``popularity_exponent``, and the validation quality
        of the chosen weights (``validation``), for the model's record; empty when the catalog
        is too small to draw negatives from (serving then uses its unfitted weights).

    """
    keep = held_out_last_edges(snapshot)
    table = snapshot.edges[INTERACTED]
    index = index_of_snapshot(replace(snapshot, edges={**snapshot.edges, INTERACTED: table.subset(keep)}))
    model = ModelView(LoadedRecommender.of(ranker), index)
    order = np.argsort(table.source[~keep], kind="stable")
    users, targets = table.source[~keep][order], table.target[~keep][order]
    seen = [np.array(sorted(set(train.sequences[u])), dtype=np.int64) for u in users]
    seeds = [[train.sequences[u][-1]] for u in users]
    every = [set(train.sequences[u]) | {int(t)} for u, t in zip(users, targets, strict=True)]
    count = min(NEGATIVES, len(index) - max((len(items) for items in every), default=0))
    if count < 1:
        return {}
    negatives = sample_negatives(every, len(index), seed=7, count=count)
    fit = fit_item_fusion(index, model, seeds, targets, negatives, seen)
    best = max(fit.grid, key=lambda row: row["sampled_hr10"] + row["full_recall20"])
    return {
        "item_fusion": fit.fusion.weights,
        "popularity_exponent": fit_popularity_exponent(index.popularity, targets),
        "validation": {key: value for key, value in best.items() if key != "weights"} | {"users": fit.users},
    }


def train_recommender(
    executor: GraphExecutor,
    config: NextItemConfig,
    sources: Sequence[str] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> tuple[NextItemRanker, RecommenderReport]:
    """Learn next items from the graph; early stopping (NDCG@10) and the report use each user's last one.

    The kept model's item vectors are propagated over every interaction, the held-out ones too,
    so it serves the graph as it is.

    Args:
        executor: The graph.
        config: Model and training settings.
        sources: Product sources whose products are ranked (all when None).
        on_epoch: Called with each epoch's mean loss.

    Raises:
        InputError: If the graph holds no interactions with those products.

    """
    snapshot = read_snapshot(executor, sources)
    graph = interactions(snapshot)
    if not any(len(s) >= 2 for s in graph.sequences):
        raise InputError(
            "no user has two interactions with these products; ingest interactions first "
            "(for example `taggraph ingest seq` or `taggraph ingest instacart`)"
        )
    train, users, targets = held_out_last(graph)

    def validate(trained: TrainedNextItemModel) -> float:  # NDCG: it still moves when HR@10 saturates
        return top_k_quality(trained.scorer(train), train, users, targets)[1]

    started = time.perf_counter()
    trained = train_next_item(train, config, validate, on_epoch)
    seconds = time.perf_counter() - started
    hit_rate, ndcg = top_k_quality(trained.scorer(train), train, users, targets)
    run_id = f"recommender-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    report = RecommenderReport(
        run_id=run_id,
        users=sum(1 for s in graph.sequences if s),
        validation_users=len(users),
        items=graph.num_items,
        hit_rate=hit_rate,
        ndcg=ndcg,
        epochs=int(trained.history[-1]["epoch"]),
        seconds=seconds,
    )
    meta = {"run_id": run_id, "product_ids": snapshot.ids["product"], "sources": list(sources or [])}
    meta["validation"] = {"hr10": hit_rate, "ndcg10": ndcg, "users": len(users)}
    meta["serving"] = fit_serving(
        NextItemRanker.from_model(trained.model, train, config, meta), snapshot, train
    )
    ranker = NextItemRanker.from_model(trained.model, graph, config, meta)
    record_run(
        executor,
        run_id,
        "recommender-training",
        status="finished",
        items=graph.num_items,
        users=report.users,
        metrics={"validation_hr10": hit_rate, "validation_ndcg10": ndcg},
        params=vars(config),
    )
    return ranker, report

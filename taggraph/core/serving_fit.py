"""What serving learns on held-out interactions: item-to-item fusion weights and a popularity prior.

``taggraph gnn recommender`` fits both on each user's held-out last interaction and keeps them
with the model; ``bench/recsys.py`` fits them the same way on its validation split. The metrics
count ties at their expected value under random tie-breaking, as the benchmark does.
"""

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from taggraph.core.catalog_index import CatalogIndex
from taggraph.core.ranking import ITEM_PARTS, ItemFusion, ModelView, item_parts

NEGATIVES = 99
GRID_STEP = 0.1
FIT_USERS = 1500
"""Validation users the fusion weights are fit on (a seeded sample when there are more)."""
EXPONENTS = np.round(np.arange(0.0, 2.01, 0.05), 2)


def sample_negatives(seen: list[set[int]], n_items: int, seed: int, count: int = NEGATIVES) -> np.ndarray:
    """Per user, ``count`` distinct items drawn uniformly from those the user never took.

    Args:
        seen: Per user, every item the user took.
        n_items: Item count.
        seed: Seed of ``numpy.random.default_rng``.
        count: Negatives per user.

    Raises:
        ValueError: If a user took so many items that fewer than ``count`` are left.

    """
    if any(n_items - len(taken) < count for taken in seen):
        raise ValueError(f"a user took all but fewer than {count} of the {n_items} items")
    rng = np.random.default_rng(seed)
    out = np.empty((len(seen), count), dtype=np.int64)
    for row, taken in enumerate(seen):
        drawn: list[int] = []
        while len(drawn) < count:
            candidate = int(rng.integers(n_items))
            if candidate not in taken and candidate not in drawn:
                drawn.append(candidate)
        out[row] = drawn
    return out


def expected_hit_and_ndcg(greater: np.ndarray, equal: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """HR@k and NDCG@k when the target is tied with ``equal`` items and beaten by ``greater``."""
    hits, gains = np.zeros(len(greater)), np.zeros(len(greater))
    for row, (g, e) in enumerate(zip(greater, equal, strict=True)):
        ranks = np.arange(g, g + e + 1)
        inside = ranks[ranks < k]
        hits[row] = len(inside) / (e + 1)
        gains[row] = float(np.sum(1.0 / np.log2(inside + 2))) / (e + 1)
    return hits, gains


def ranking_quality(
    scores: np.ndarray, targets: np.ndarray, negatives: np.ndarray, seen: list[np.ndarray]
) -> dict[str, float]:
    """Sampled HR@10 / NDCG@10 and full-ranking HR@10 / Recall@20 of ``targets``.

    Args:
        scores: ``[users, items]`` scores.
        targets: Per user, the held-out item.
        negatives: ``[users, 99]`` sampled negatives.
        seen: Per user, the items of the history (left out of the full ranking).

    """
    rows = np.arange(len(targets))
    target = scores[rows, targets]
    negative = np.take_along_axis(scores, negatives, axis=1)
    hit, gain = expected_hit_and_ndcg(
        (negative > target[:, None]).sum(1), (negative == target[:, None]).sum(1), 10
    )
    masked = scores.copy()
    for row, items in enumerate(seen):
        masked[row, items] = -np.inf
    masked[rows, targets] = target
    greater = (masked > target[:, None]).sum(1)
    equal = (masked == target[:, None]).sum(1) - 1
    full_hit, _ = expected_hit_and_ndcg(greater, equal, 10)
    recall, _ = expected_hit_and_ndcg(greater, equal, 20)
    return {
        "sampled_hr10": float(hit.mean()),
        "sampled_ndcg10": float(gain.mean()),
        "full_hr10": float(full_hit.mean()),
        "full_recall20": float(recall.mean()),
    }


@dataclass
class FusionFit:
    """The chosen item-to-item weights and how every weighting on the grid did.

    Attributes:
        fusion: The weights with the best sampled HR@10 + full Recall@20 on validation.
        parts: The parts that were fit.
        grid: Every weighting tried with its validation quality.
        users: Validation users it was fit on.

    """

    fusion: ItemFusion
    parts: list[str]
    grid: list[dict[str, Any]]
    users: int


def fit_item_fusion(
    index: CatalogIndex,
    model: ModelView | None,
    seeds: list[list[int]],
    targets: np.ndarray,
    negatives: np.ndarray,
    seen: list[np.ndarray],
    seed: int = 0,
) -> FusionFit:
    """Choose item-to-item fusion weights on a simplex grid (step 0.1) by validation quality.

    The full ranking is over the products with interactions (and the targets and negatives):
    the others are never a next item to learn from.

    Args:
        index: The catalog as the validation users' histories left it.
        model: The next-item model over ``index``, if any.
        seeds: Per validation user, the seed positions (newest first).
        targets: Per user, the held-out next item.
        negatives: ``[users, 99]`` sampled negatives.
        seen: Per user, the items of the history.
        seed: Seed of the sample of :data:`FIT_USERS` users.

    """
    chosen = np.arange(len(seeds))
    if len(chosen) > FIT_USERS:
        chosen = np.sort(np.random.default_rng(seed).choice(len(seeds), FIT_USERS, replace=False))
    targets, negatives = targets[chosen], negatives[chosen]
    columns = np.union1d(np.flatnonzero(index.popularity > 0), np.union1d(targets, negatives.ravel()))
    column_of = np.full(len(index), -1, dtype=np.int64)
    column_of[columns] = np.arange(len(columns))
    rows = [item_parts(index, model, seeds[i]) for i in chosen]
    parts = [part for part in ITEM_PARTS if any(part in row for row in rows)]
    empty = np.zeros(len(index), dtype=np.float32)
    stacked = {part: np.stack([row.get(part, empty)[columns] for row in rows]) for part in parts}
    histories = [column_of[seen[i]][column_of[seen[i]] >= 0] for i in chosen]
    grid = []
    steps = round(1 / GRID_STEP)
    for combination in itertools.product(range(steps + 1), repeat=len(parts)):
        if sum(combination) != steps:
            continue
        weights = {part: round(units * GRID_STEP, 2) for part, units in zip(parts, combination, strict=True)}
        scores = sum(weights[part] * stacked[part] for part in parts)
        quality = ranking_quality(scores, column_of[targets], column_of[negatives], histories)
        grid.append({"weights": weights, **quality})
    best = max(grid, key=lambda row: row["sampled_hr10"] + row["full_recall20"])
    return FusionFit(ItemFusion(best["weights"]), parts, grid, len(chosen))


def fit_popularity_exponent(popularity: np.ndarray, targets: np.ndarray) -> float:
    """The exponent ``b`` for which ``(1 + interactions) ** b`` best predicts the held-out next items.

    Maximum likelihood of ``targets`` under ``P(item) ∝ (1 + interactions(item)) ** b`` over a
    grid of ``b`` from 0 to 2.
    """
    log_counts = np.log1p(popularity.astype(np.float64))
    best, best_likelihood = 0.0, -np.inf
    for exponent in EXPONENTS:
        logits = exponent * log_counts
        normaliser = np.log(np.exp(logits - logits.max()).sum()) + logits.max()
        likelihood = float((logits[targets] - normaliser).mean())
        if likelihood > best_likelihood:
            best, best_likelihood = float(exponent), likelihood
    return best

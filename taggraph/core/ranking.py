"""Scores over the in-memory catalog: next items for a user, products like seed products, tag matches.

Every function here scores every product at once with numpy from a :class:`CatalogIndex`, so a
request costs no graph query. The route functions in ``core/recommendations.py`` and
``core/similar.py`` rank with these, and ``bench/recsys.py`` measures these very functions.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from taggraph.core.catalog_index import CatalogIndex, sparse_row
from taggraph.core.loaded_models import LoadedRecommender

ITEM_PARTS = ("model", "co_interaction", "features", "popularity", "embedding")
"""What item-to-item scores fuse, each scaled to 1 at its best product:
``model`` the next-item model's probability after the seeds; ``co_interaction`` distinct users
who took a seed and the product (log-scaled); ``features`` the tags, category and brand shared
with the seeds, rarer ones counting more, proposals by their probability; ``popularity`` the
product's interactions (log-scaled); ``embedding`` cosine of ``taggraph embed``'s vectors."""
SEEDS = 5
"""A user's latest products that seed item-to-item scores."""


UNFITTED = {"model": 1.0, "co_interaction": 1.0, "features": 1.0, "popularity": 0.01, "embedding": 1.0}
"""Weights without a fit (no next-item model trained): the related parts alike, popularity only
breaking their ties."""


@dataclass(frozen=True)
class ItemFusion:
    """Weights of the item-to-item parts, fit on validation (``serving_fit.fit_item_fusion``).

    A part without a fitted weight (``embedding`` when the fit had no embeddings) gets the mean
    fitted weight; the weights of the parts present are scaled to sum to 1.
    """

    weights: dict[str, float] = field(default_factory=lambda: dict(UNFITTED))

    def of(self, parts: list[str]) -> dict[str, float]:
        """The weights of ``parts``, summing to 1 (equal when none is positive)."""
        fitted = list(self.weights.values())
        default = float(np.mean(fitted)) if fitted else 1.0
        raw = {part: max(self.weights.get(part, default), 0.0) for part in parts}
        total = sum(raw.values())
        return {part: (w / total if total else 1.0 / len(raw)) for part, w in raw.items()}


class ModelView:
    """The next-item model's probabilities over the catalog index's positions.

    Args:
        recommender: The loaded next-item model.
        index: The catalog it serves (products the model does not know score 0).

    Attributes:
        run_id: The run that trained the model.
        fusion: The item-to-item weights fit with the model (:data:`UNFITTED` without them).
        popularity_exponent: The exponent of the popularity prior fit with the model (0, no
            prior, without one).

    """

    def __init__(self, recommender: LoadedRecommender, index: CatalogIndex) -> None:
        self.recommender = recommender
        model_to_index = np.array(
            [index.position.get(p, -1) for p in recommender.product_ids], dtype=np.int64
        )
        self.known = model_to_index >= 0
        self.model_to_index = model_to_index[self.known]
        self.index_to_model = np.full(len(index), -1, dtype=np.int64)
        self.index_to_model[self.model_to_index] = np.flatnonzero(self.known)
        serving = recommender.ranker.meta.get("serving", {})
        self.run_id = recommender.run_id
        self.fusion = ItemFusion(dict(serving["item_fusion"])) if serving.get("item_fusion") else ItemFusion()
        self.popularity_exponent = float(serving.get("popularity_exponent", 0.0))

    def knows(self, positions: list[int]) -> list[int]:
        """The positions the model has an item for, in order."""
        return [p for p in positions if self.index_to_model[p] >= 0]

    def scores(self, latest: list[int]) -> np.ndarray:
        """``[products]`` next-item probabilities after ``latest`` (positions, newest first)."""
        items = [int(self.index_to_model[p]) for p in self.knows(latest)]
        out = np.zeros(len(self.index_to_model), dtype=np.float32)
        if items:
            out[self.model_to_index] = self.recommender.ranker.scores([items])[0][self.known]
        return out


def item_parts(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> dict[str, np.ndarray]:
    """Each available item-to-item part for ``seeds`` (positions, newest first), scaled to 1 at its best.

    A part that has nothing to say (no model, no co-interaction, no embeddings) is left out.
    """
    parts: dict[str, np.ndarray] = {}
    if model is not None and model.knows(seeds):
        parts["model"] = model.scores(seeds)
    co = _summed_rows(index.co_interactions, seeds, len(index))
    if co.any():
        parts["co_interaction"] = np.log1p(co)
    seed_features = _summed_rows(index.features, seeds, len(index.feature_ids))
    if seed_features.any():
        weights = seed_features * index.rarity
        shared = np.zeros(len(index), dtype=np.float32)
        for column in np.flatnonzero(weights):
            if index.common_position[column] >= 0:  # a dense column: one contiguous multiply-add
                shared += weights[column] * index.common_dense[:, index.common_position[column]]
            else:
                carriers, probability = sparse_row(index.by_feature, column)
                shared[carriers] += weights[column] * probability  # a column lists each product once
        parts["features"] = shared
    if index.popularity.any():
        parts["popularity"] = index.popularity_scaled
    if index.embeddings is not None and index.embeddings[seeds].any():
        parts["embedding"] = np.clip(index.embeddings @ index.embeddings[seeds].mean(axis=0), 0.0, None)
    for name, values in parts.items():
        best = float(values.max())
        if name != "popularity":
            parts[name] = (values / best if best > 0 else values).astype(np.float32)
    return parts


def _summed_rows(matrix: sp.csr_matrix, rows: list[int], width: int) -> np.ndarray:
    """The sum of some rows of a CSR matrix, dense (row slices, no sparse indexing)."""
    total = np.zeros(width, dtype=np.float32)
    for row in rows:
        columns, values = sparse_row(matrix, row)
        total[columns] += values  # a row lists each column once
    return total


def fuse(parts: dict[str, np.ndarray], fusion: ItemFusion) -> np.ndarray:
    """The weighted sum of ``parts``."""
    weights = fusion.of(list(parts))
    total = np.zeros_like(next(iter(parts.values())))
    for name, values in parts.items():
        total += weights[name] * values
    return total


def item_scores(
    index: CatalogIndex, model: ModelView | None, seeds: list[int], fusion: ItemFusion
) -> tuple[np.ndarray, list[str]]:
    """``[products]`` fused item-to-item scores for ``seeds`` and the parts that made them."""
    parts = item_parts(index, model, seeds)
    if not parts:
        return np.zeros(len(index), dtype=np.float32), []
    return fuse(parts, fusion), list(parts)


def popularity_prior(index: CatalogIndex, exponent: float) -> np.ndarray:
    """``((1 + interactions) / (1 + most interactions)) ** exponent`` per product, in (0, 1]."""
    counts = index.popularity
    return (((1.0 + counts) / (1.0 + float(counts.max(initial=0.0)))) ** exponent).astype(np.float32)


def tag_scores(index: CatalogIndex, tags: list[str], prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Products that may carry every tag, by the probability they do times the popularity prior.

    The probability is the product of each tag's probability (catalog and human tags 1,
    proposals their score, rejected 0), tags taken as independent.

    Returns:
        Positions of the products that may carry all of ``tags`` and their scores.

    """
    carriers = [index.carriers(tag) for tag in dict.fromkeys(tags)]
    if not carriers or any(len(positions) == 0 for positions, _ in carriers):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    rarest = min(range(len(carriers)), key=lambda i: len(carriers[i][0]))
    positions, probability = carriers[rarest]
    probability = probability.astype(np.float32).copy()
    for i, tag in enumerate(dict.fromkeys(tags)):
        if i != rarest:
            probability *= index.probability(positions, tag)
    keep = probability > 0.0
    return positions[keep], probability[keep] * prior[positions[keep]]


def top(scores: np.ndarray, k: int, exclude: list[int], allowed: np.ndarray | None) -> list[int]:
    """The positions of the ``k`` best positive scores, ties by position (graph id order).

    Args:
        scores: ``[products]`` scores.
        k: How many.
        exclude: Positions never returned (the seeds).
        allowed: Mask of the products within the filters, or None.

    """
    eligible = scores > 0.0
    if allowed is not None:
        eligible &= allowed
    eligible[exclude] = False
    candidates = np.flatnonzero(eligible)
    if len(candidates) > k:
        cut = np.partition(scores[candidates], -k)[-k]
        candidates = candidates[scores[candidates] >= cut]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order][:k].tolist()


def top_of(
    positions: np.ndarray, scores: np.ndarray, k: int, exclude: list[int], allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    """The ``k`` best of scored ``positions`` (as :func:`top`), with their scores."""
    keep = ~np.isin(positions, exclude)
    if allowed is not None:
        keep &= allowed[positions]
    positions, scores = positions[keep], scores[keep]
    order = np.lexsort((positions, -scores))[:k]
    return [(int(positions[i]), float(scores[i])) for i in order]

"""Scores over the in-memory catalog: next items for a user, products like seed products, tag matches.

Every function here scores every product at once with numpy from a :class:`CatalogIndex`, so a
request costs no graph query. The route functions in ``core/recommendations.py`` and
``core/similar.py`` rank with these, and ``bench/recsys.py`` measures these very functions.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import saxpy

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
SAMPLE_STRIDE = 64
SAMPLE_MARGIN = 4
""":func:`top` takes as threshold the ``k / 64 + 4``-th best of every 64th score, about 256 more
products than it needs, and lowers it four times as far in the sample until ``k`` reach it."""


SparseOrDense = tuple[np.ndarray, np.ndarray | None]
"""Values with the positions they apply to, or ``[products]`` values and None."""


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
        self.knows_all = bool(self.known.all())
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

    @property
    def positions(self) -> np.ndarray:
        """The catalog positions of the products the model knows, in the order of :meth:`next_items`."""
        return self.model_to_index

    def next_items(self, latests: list[list[int]]) -> np.ndarray:
        """``[len(latests), known products]`` next-item probabilities, one forward pass for all.

        Args:
            latests: Per query, positions newest first (those the model does not know are skipped;
                each query must have one it knows).

        """
        items = [[int(self.index_to_model[p]) for p in self.knows(latest)] for latest in latests]
        probabilities = self.recommender.ranker.scores(items)
        return probabilities if self.knows_all else probabilities[:, self.known]

    def scores(self, latest: list[int]) -> np.ndarray:
        """``[products]`` next-item probabilities after ``latest`` (positions, newest first)."""
        out = np.zeros(len(self.index_to_model), dtype=np.float32)
        if self.knows(latest):
            out[self.model_to_index] = self.next_items([latest])[0]
        return out


@dataclass(frozen=True)
class Part:
    """One item-to-item part before scaling: dense over the catalog, or values at some positions.

    Attributes:
        values: The raw scores, ``[products]`` or one per position.
        positions: Where ``values`` apply; None when they are dense.
        best: The largest value (the part is scaled to 1 there).

    """

    values: np.ndarray
    positions: np.ndarray | None
    best: float

    def add_to(self, total: np.ndarray, weight: float) -> None:
        """Add ``weight`` times the scaled part to ``total`` in place."""
        scale = np.float32(weight / self.best)
        if self.positions is None:
            saxpy(self.values, total, a=scale)  # in place, no temporary
        else:
            total[self.positions] += scale * self.values  # positions never repeat

    def dense(self, size: int) -> np.ndarray:
        """The part scaled to 1 at its best, ``[products]``."""
        scaled = np.zeros(size, dtype=np.float32)
        self.add_to(scaled, 1.0)
        return scaled


def available_parts(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> list[str]:
    """The item-to-item parts that have something to say about ``seeds``, without scoring any.

    The next-item model when it knows a seed, co-interaction and features when a seed has any,
    popularity when some product was taken, the embedding when a seed has one.
    """
    present = {
        "model": model is not None and bool(model.knows(seeds)),
        "co_interaction": any(_row_length(index.co_interactions, seed) for seed in seeds),
        "features": any(_row_length(index.features, seed) for seed in seeds),
        "popularity": index.taken_any,
        "embedding": index.embeddings is not None and bool(index.embeddings[seeds].any()),
    }
    return [part for part in ITEM_PARTS if present[part]]


def raw_part(index: CatalogIndex, model: ModelView | None, seeds: list[int], name: str) -> Part | None:
    """One available item-to-item part for ``seeds`` (positions, newest first), unscaled.

    Co-interaction and shared rare features stay sparse; a seed's common features make the
    features part dense. None when the part is zero everywhere.
    """
    values, where = PART_SCORES[name](index, model, seeds)
    best = float(values.max(initial=0.0))
    return Part(values, where, best) if best > 0.0 else None


def _model_part(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> SparseOrDense:
    assert model is not None, "the model part is available only with a model"
    return model.scores(seeds), None


def _co_interaction_part(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> SparseOrDense:
    positions, counts = _summed_rows(index.co_interactions, seeds)
    return np.log1p(counts), positions


def _features_part(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> SparseOrDense:
    return _shared_features(index, seeds)


def _popularity_part(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> SparseOrDense:
    return index.popularity_scaled, None


def _embedding_part(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> SparseOrDense:
    assert index.embeddings is not None, "the embedding part is available only with embeddings"
    similarity = index.embeddings @ index.embeddings[seeds].mean(axis=0)
    return np.clip(similarity, 0.0, None).astype(np.float32), None


PART_SCORES: dict[str, Callable[[CatalogIndex, ModelView | None, list[int]], SparseOrDense]] = {
    "model": _model_part,
    "co_interaction": _co_interaction_part,
    "features": _features_part,
    "popularity": _popularity_part,
    "embedding": _embedding_part,
}


def raw_parts(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> dict[str, Part]:
    """Each available item-to-item part for ``seeds``, unscaled (see :func:`raw_part`)."""
    parts = {name: raw_part(index, model, seeds, name) for name in available_parts(index, model, seeds)}
    return {name: part for name, part in parts.items() if part is not None}


def item_parts(index: CatalogIndex, model: ModelView | None, seeds: list[int]) -> dict[str, np.ndarray]:
    """Each available item-to-item part for ``seeds``, dense and scaled to 1 at its best."""
    return {name: part.dense(len(index)) for name, part in raw_parts(index, model, seeds).items()}


def _row_length(matrix: sp.csr_matrix, row: int) -> int:
    return int(matrix.indptr[row + 1] - matrix.indptr[row])


def _summed_rows(matrix: sp.csr_matrix, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The sum of some rows of a CSR matrix as sorted column positions and their sums."""
    return _sparse_sum([sparse_row(matrix, row) for row in rows])


def _sparse_sum(vectors: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The sum of sparse vectors given as (sorted positions, values): sorted positions and sums."""
    if not vectors:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if len(vectors) == 1:
        positions, values = vectors[0]
        return positions.astype(np.int64), values.astype(np.float32)
    positions, inverse = np.unique(np.concatenate([p for p, _ in vectors]), return_inverse=True)
    sums = np.bincount(inverse, weights=np.concatenate([v for _, v in vectors]), minlength=len(positions))
    return positions.astype(np.int64), sums.astype(np.float32)


def _shared_features(index: CatalogIndex, seeds: list[int]) -> tuple[np.ndarray, np.ndarray | None]:
    """Per product, the seeds' features it carries, weighted by rarity and both probabilities.

    As (values, positions) when the seeds have only rare features, else dense (values, None).
    """
    columns, probability = _summed_rows(index.features, seeds)
    weights = probability * index.rarity[columns]
    common = index.common_position[columns] >= 0
    rare_positions, rare_values = _sparse_sum(
        [
            (carriers, weight * carried)
            for column, weight in zip(columns[~common], weights[~common], strict=True)
            for carriers, carried in [sparse_row(index.by_feature, column)]
        ]
    )
    if not common.any():
        return rare_values, rare_positions
    shared = np.zeros(len(index), dtype=np.float32)
    for column, weight in zip(columns[common], weights[common], strict=True):
        saxpy(index.common_dense[:, index.common_position[column]], shared, a=weight)  # contiguous
    shared[rare_positions] += rare_values
    return shared, None


def item_scores(
    index: CatalogIndex, model: ModelView | None, seeds: list[int], fusion: ItemFusion
) -> tuple[np.ndarray, list[str]]:
    """``[products]`` fused item-to-item scores for ``seeds`` and the parts that made them.

    Each part is scaled to 1 at its best and weighted by :meth:`ItemFusion.of` over the parts
    available; a part whose weight is 0 is not scored at all.
    """
    names = available_parts(index, model, seeds)
    weights = fusion.of(names) if names else {}
    total = np.zeros(len(index), dtype=np.float32)
    used = []
    for name in names:
        part = raw_part(index, model, seeds, name) if weights[name] > 0.0 else None
        if part is not None:
            part.add_to(total, weights[name])
            used.append(name)
    return total, used


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
    if allowed is None:
        return [position for position, _ in _best(None, scores, k, exclude)]
    positions = np.flatnonzero(allowed)
    return [position for position, _ in _best(positions, scores[positions], k, exclude)]


def top_of(
    positions: np.ndarray, scores: np.ndarray, k: int, exclude: list[int], allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    """The ``k`` best of scored ``positions`` (as :func:`top`), with their scores."""
    if allowed is not None:
        within = allowed[positions]
        positions, scores = positions[within], scores[within]
    if len(positions) > 1 and not bool(np.all(positions[1:] > positions[:-1])):
        order = np.argsort(positions, kind="stable")
        positions, scores = positions[order], scores[order]
    return _best(positions, scores, k, exclude)


def _best(
    positions: np.ndarray | None, scores: np.ndarray, k: int, exclude: list[int]
) -> list[tuple[int, float]]:
    """The ``k`` best positive scores with their positions, ties by position.

    Args:
        positions: Increasing positions of ``scores``; None when ``scores`` is by position.
        scores: The scores.
        k: How many.
        exclude: Positions never returned.

    """
    chosen = _above_threshold(scores, k + len(exclude))
    values = scores[chosen]
    at = chosen if positions is None else positions[chosen]
    keep = values > 0.0
    for position in exclude:
        keep &= at != position
    at, values = at[keep], values[keep]
    order = np.lexsort((at, -values))[:k]
    return [(int(at[i]), float(values[i])) for i in order]


def _above_threshold(scores: np.ndarray, k: int) -> np.ndarray:
    """Increasing indices of positive scores that hold the ``k`` best, ties by index.

    Any threshold that ``k`` scores reach keeps the ``k`` best; one estimated from a strided
    sample (:data:`SAMPLE_STRIDE`) costs a pass over the scores instead of a sort of them. Of
    the scores equal to the threshold only the first ones needed are kept, so a large group of
    ties (products alike but for their id) stays out of the sort.
    """
    sample = scores[::SAMPLE_STRIDE]
    rank = k // SAMPLE_STRIDE + SAMPLE_MARGIN
    while rank < len(sample):
        threshold = float(np.partition(sample, -rank)[-rank])
        if threshold <= 0.0:
            break
        above = np.flatnonzero(scores >= threshold)
        if len(above) >= k:
            higher = scores[above] > threshold
            missing = k - int(np.count_nonzero(higher))
            if missing <= 0:
                return above[higher]
            return np.sort(np.concatenate([above[higher], above[~higher][:missing]]))
        rank *= 4
    return np.flatnonzero(scores > 0.0)

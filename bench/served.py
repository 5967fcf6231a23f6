"""The recommendation service's own ranking functions measured on Beauty, for bench/recsys.py.

Every figure here comes from the functions the routes rank with (``core/ranking.py``) over a
catalog index built from the stage's interactions only:
- ``user_id``: the model's ``ModelView.scores`` from the user's history as the index holds it;
- ``product_ids`` and ``/similar``: ``item_scores`` with the user's last history item as the
  only seed and the next item as the target, fusion weights fit on validation with
  ``fit_item_fusion``; beside ItemKNN item-to-item and co-interaction counts from the same
  history;
- ``tags``: ``tag_scores`` over products whose catalog tags are hidden and replaced by
  proposals, asked for pairs of tags.

A sample of users is also answered through ``recommend_with`` (the route's function) to check
that its top 10 is the top 10 of the scores measured here.
"""

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.isotonic import IsotonicRegression

from taggraph.core.catalog_index import CatalogIndex, index_of_snapshot
from taggraph.core.loaded_models import LoadedRecommender
from taggraph.core.ranking import (
    ItemFusion,
    ModelView,
    popularity_prior,
    tag_scores,
)
from taggraph.core.serving_fit import fit_item_fusion, fit_popularity_exponent
from taggraph.encoders.gnn.recommender import NextItemRanker
from taggraph.graph.export import HAS_TAG, INTERACTED, EdgeTable, GraphSnapshot

TAG_PAIRS = 300
PAIR_MIN_PRODUCTS = 5
PROPOSALS_PER_PRODUCT = 10
OLD_SCAN, OLD_SEED_TAGS = 100, 2  # the Cypher ranking the tag route used before


def stage_index(split: Any, stage: str) -> CatalogIndex:
    """The catalog as the stage's history leaves it (training interactions, plus validation at test)."""
    table = split.snapshot.edges[INTERACTED]
    return index_of_snapshot(
        replace(
            split.snapshot,
            edges={**split.snapshot.edges, INTERACTED: table.subset(split.history_edges[stage])},
        )
    )


def model_view(trained: Any, graph: Any, config: Any, split: Any, index: CatalogIndex) -> ModelView:
    """The trained model as the service loads it, item vectors propagated over ``graph``."""
    meta = {"run_id": "benchmark", "product_ids": split.snapshot.ids["product"]}
    return ModelView(
        LoadedRecommender.of(NextItemRanker.from_model(trained.model, graph, config, meta)), index
    )


def user_scorer(split: Any, index: CatalogIndex, model: ModelView) -> Callable:
    """Scores of ``user_id`` queries: the next-item model from each user's history in the index."""
    user_ids = split.snapshot.ids["user"]

    def score(users: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        return np.stack([model.scores(index.histories[user_ids[u]]) for u in users])

    return score


def item_scorer(
    split: Any, stage: str, seed_of: Callable[[int], int], rank: Callable[[int], np.ndarray]
) -> Callable:
    """Scores of item-to-item queries, one seed per user (``seed_of(row)``)."""
    rows = {int(user): row for row, user in enumerate(split.users)}

    def score(users: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
        return np.stack([rank(seed_of(rows[int(u)])) for u in users])

    return score


def seeds(split: Any, stage: str) -> np.ndarray:
    """Per user, the last item of the stage's history: the second-last at test, the third-last at validation."""
    back = 2 if stage == "test" else 3
    return np.array([split.sequences[u][-back] for u in split.users], dtype=np.int64)


def fit_fusion(split: Any, index: CatalogIndex, model: ModelView) -> tuple[ItemFusion, dict]:
    """Item-to-item weights fit on validation, as ``taggraph gnn recommender`` fits them."""
    seen = [np.array(sorted(set(split.sequences[u][:-2])), dtype=np.int64) for u in split.users]
    fit = fit_item_fusion(
        index,
        model,
        [[int(s)] for s in seeds(split, "validation")],
        split.validation,
        split.negatives["validation"],
        seen,
    )
    best = max(fit.grid, key=lambda row: row["sampled_hr10"] + row["full_recall20"])
    return fit.fusion, {
        "weights": fit.fusion.weights,
        "validation": best,
        "users": fit.users,
        "grid": len(fit.grid),
    }


def knn_row(similarity: np.ndarray) -> Callable[[int], np.ndarray]:
    """ItemKNN item-to-item: the seed's row of the item similarity."""
    return lambda seed: similarity[seed]


def co_row(history: sp.csr_matrix) -> Callable[[int], np.ndarray]:
    """Co-interaction counts: users of the seed who also took each item."""
    counts = (history.T @ history).tocsr()
    counts.setdiag(0.0)
    return lambda seed: np.asarray(counts[seed].todense()).ravel()


# Tags


def product_split(product_id: str) -> int:
    """The id-hash bucket 0-9 of a product (7 validation, 8-9 test), as the tagging benchmarks split."""
    return int(hashlib.sha1(product_id.encode()).hexdigest(), 16) % 10


def tag_benchmark(split: Any, index: CatalogIndex, seed: int = 0) -> dict[str, Any]:
    """Pairs of tags asked over products whose catalog tags are hidden and proposed instead.

    Proposals come from the tags of the products a product is co-interacted with (weighted by
    co-interaction count), calibrated on validation products with isotonic regression, the top
    :data:`PROPOSALS_PER_PRODUCT` per product kept with their calibrated probability. The
    popularity prior's exponent is fit on validation next items. Reported per method:
    precision@10 of carrying both tags by the hidden catalog truth, and NDCG@10 with gains the
    products' held-out test interactions where they carry both.
    """
    buckets = np.array([product_split(p) for p in index.product_ids])
    hidden = buckets >= 7
    truth = index.features.multiply((index.feature_kinds == "tag")[None, :].astype(np.float32)).tocsr()
    visible = sp.diags((~hidden).astype(np.float32)) @ truth
    raw = _propagated(index.co_interactions, visible)
    calibrate = _calibration(raw, truth, buckets == 7)
    test = np.flatnonzero(buckets >= 8)
    proposals = _proposals(raw[test], calibrate)
    exponent = fit_popularity_exponent(index.popularity, split.validation)
    evaluation = _evaluation_index(split, index, test, proposals)
    test_truth = truth[test]
    gains = np.bincount(split.test, minlength=len(index)).astype(np.float64)[test]
    pairs = _tag_pairs(test_truth, index.feature_ids, seed)
    methods: dict[str, Callable[[list[str]], list[int]]] = {
        "served (probability x popularity prior)": _served(evaluation, exponent),
        "served, no prior": _served(evaluation, 0.0),
        "previous route (rarity-weighted shared tags, first 100 found)": lambda tags: _previous(
            evaluation, tags
        ),
    }
    columns = {feature: column for column, feature in enumerate(index.feature_ids)}
    rows: dict[str, dict[str, float]] = {}
    for name, rank in methods.items():
        precision, ndcg = [], []
        for pair in pairs:
            both = np.asarray(test_truth[:, [columns[t] for t in pair]].sum(axis=1)).ravel() == 2
            chosen = rank(list(pair))[:10]
            precision.append(sum(both[chosen]) / 10.0)
            relevance = gains * both
            dcg = sum(relevance[p] / np.log2(i + 2) for i, p in enumerate(chosen))
            ideal = np.sort(relevance)[::-1][:10]
            best = float(np.sum(ideal / np.log2(np.arange(len(ideal)) + 2)))
            ndcg.append(dcg / best if best > 0 else 0.0)
        rows[name] = {"precision_at_10": float(np.mean(precision)), "ndcg10": float(np.mean(ndcg))}
    return {
        "pairs": len(pairs),
        "test_products": len(test),
        "popularity_exponent": exponent,
        "proposals": int(sum(len(p) for p in proposals)),
        "methods": rows,
    }


def _propagated(co: sp.csr_matrix, visible: sp.csr_matrix) -> sp.csr_matrix:
    """Per product, the co-interaction-weighted share of its neighbours carrying each tag."""
    weights = np.asarray(co.sum(axis=1)).ravel()
    shares = sp.diags(1.0 / np.where(weights > 0, weights, 1.0)) @ (co @ visible)
    return sp.csr_matrix(shares)


def _calibration(raw: sp.csr_matrix, truth: sp.csr_matrix, validation: np.ndarray) -> IsotonicRegression:
    rows = np.flatnonzero(validation)
    scores = raw[rows]
    coo = scores.tocoo()
    labels = np.asarray(truth[rows][coo.row, coo.col]).ravel() > 0
    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    return model.fit(coo.data, labels.astype(np.float64))


def _proposals(raw: sp.csr_matrix, calibrate: IsotonicRegression) -> list[list[tuple[int, float]]]:
    out = []
    for row in range(raw.shape[0]):
        start, end = raw.indptr[row], raw.indptr[row + 1]
        columns, values = raw.indices[start:end], raw.data[start:end]
        best = np.argsort(-values, kind="stable")[:PROPOSALS_PER_PRODUCT]
        probability = calibrate.predict(values[best]) if len(best) else np.zeros(0)
        out.append([(int(c), float(p)) for c, p in zip(columns[best], probability, strict=True) if p > 0])
    return out


def _evaluation_index(
    split: Any, index: CatalogIndex, test: np.ndarray, proposals: list[list[tuple[int, float]]]
) -> CatalogIndex:
    """The test products alone, their tags the proposals, their popularity from training interactions."""
    snapshot: GraphSnapshot = split.snapshot
    rows = [(r, c, p) for r, row in enumerate(proposals) for c, p in row]
    source = np.array([r for r, _, _ in rows], dtype=np.int64)
    target = np.array([c for _, c, _ in rows], dtype=np.int64)
    tags = EdgeTable(source, target, {"status": ["proposed"] * len(rows), "score": [p for _, _, p in rows]})
    position = {int(p): i for i, p in enumerate(test)}
    training = snapshot.edges[INTERACTED].subset(split.history_edges["validation"])
    kept = np.array([int(t) in position for t in training.target], dtype=bool)
    interactions = EdgeTable(
        training.source[kept],
        np.array([position[int(t)] for t in training.target[kept]], dtype=np.int64),
        {
            key: [v for v, k in zip(values, kept, strict=True) if k]
            for key, values in training.properties.items()
        },
    )
    empty = EdgeTable(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    names = snapshot.properties["product"]
    return index_of_snapshot(
        GraphSnapshot(
            ids={**snapshot.ids, "product": [index.product_ids[p] for p in test]},
            properties={
                **snapshot.properties,
                "product": {key: [values[p] for p in test] for key, values in names.items()},
            },
            edges={
                **{edge_type: empty for edge_type in snapshot.edges},
                HAS_TAG: tags,
                INTERACTED: interactions,
            },
        )
    )


def _tag_pairs(truth: sp.csr_matrix, feature_ids: list[str], seed: int) -> list[tuple[str, str]]:
    """Pairs of tags at least :data:`PAIR_MIN_PRODUCTS` test products carry together (a seeded sample)."""
    binary = (truth > 0).astype(np.float32)
    together = (binary.T @ binary).tocoo()
    pairs = [
        (feature_ids[a], feature_ids[b])
        for a, b, count in zip(together.row, together.col, together.data, strict=True)
        if a < b and count >= PAIR_MIN_PRODUCTS
    ]
    pairs.sort()
    if len(pairs) > TAG_PAIRS:
        chosen = np.random.default_rng(seed).choice(len(pairs), TAG_PAIRS, replace=False)
        pairs = [pairs[i] for i in sorted(chosen)]
    return pairs


def _served(evaluation: CatalogIndex, exponent: float) -> Callable[[list[str]], list[int]]:
    prior = popularity_prior(evaluation, exponent)

    def rank(tags: list[str]) -> list[int]:
        positions, scores = tag_scores(evaluation, tags, prior)
        return positions[np.lexsort((positions, -scores))].tolist()

    return rank


def _previous(evaluation: CatalogIndex, tags: list[str]) -> list[int]:
    """The former Cypher: the first 100 carriers (id order) of the two rarest tags, scored by
    the rarity-weighted count of asked tags carried at any confidence, ties by id."""
    carriers = {tag: set(evaluation.carriers(tag)[0].tolist()) for tag in tags}
    weights = {tag: 1.0 / np.log(2.0 + len(carriers[tag])) for tag in tags}
    rarest = sorted(tags, key=lambda tag: (len(carriers[tag]), tag))[:OLD_SEED_TAGS]
    candidates = sorted({p for tag in rarest for p in sorted(carriers[tag])[:OLD_SCAN]})
    score = {p: sum(w for tag, w in weights.items() if p in carriers[tag]) for p in candidates}
    return sorted(candidates, key=lambda p: (-score[p], p))

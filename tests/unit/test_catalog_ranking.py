"""The in-memory catalog and the scores recommendations rank with, on a handmade snapshot."""

import numpy as np
import pytest

from taggraph.core.catalog_index import Filters, empty_snapshot, index_of_snapshot
from taggraph.core.ranking import (
    ItemFusion,
    item_parts,
    item_scores,
    popularity_prior,
    tag_scores,
    top,
    top_of,
)
from taggraph.core.serving_fit import fit_item_fusion, fit_popularity_exponent, ranking_quality
from taggraph.graph.export import (
    HAS_BRAND,
    HAS_TAG,
    IN_CATEGORY,
    INTERACTED,
    SUBCATEGORY_OF,
    EdgeTable,
    GraphSnapshot,
)


def edges(pairs: list[tuple[int, int]], **properties: list) -> EdgeTable:
    source = np.array([a for a, _ in pairs], dtype=np.int64)
    target = np.array([b for _, b in pairs], dtype=np.int64)
    return EdgeTable(source, target, properties)


def catalog(interactions: list[tuple[int, int]] | None = None):
    """Five products; tags red (p0 catalog, p1 proposed 0.4, p2 rejected), cotton (p0, p3),
    categories shoes > sneakers (p0, p1 in sneakers; p3 in shoes), brand acme (p1)."""
    interactions = interactions if interactions is not None else [(0, 0), (0, 1), (1, 0), (1, 1), (2, 4)]
    snapshot = GraphSnapshot(
        ids={
            "product": ["p0", "p1", "p2", "p3", "p4"],
            "tag": ["tag:colour:red", "tag:material:cotton"],
            "category": ["cat:shoes", "cat:sneakers"],
            "brand": ["brand:acme"],
            "user": ["u0", "u1", "u2"],
        },
        properties={
            "product": {"name": ["a", "b", "c", "d", "e"], "price": [10.0, 20.0, None, 40.0, 50.0]},
            "tag": {},
            "category": {"parent": [None, "cat:shoes"]},
            "brand": {},
            "user": {},
        },
        edges={
            HAS_TAG: edges(
                [(0, 0), (1, 0), (2, 0), (0, 1), (3, 1)],
                status=["approved", "proposed", "rejected", "approved", "proposed"],
                score=[1.0, 0.4, 0.9, 1.0, 0.8],
                source=["catalog", "tagger", "tagger", "catalog", "tagger"],
            ),
            IN_CATEGORY: edges([(0, 1), (1, 1), (3, 0)]),
            SUBCATEGORY_OF: edges([(1, 0)]),
            HAS_BRAND: edges([(1, 0)], status=["approved"], score=[None]),
            INTERACTED: edges(
                interactions, ts=list(range(len(interactions))), weight=[1.0] * len(interactions)
            ),
        },
    )
    return index_of_snapshot(snapshot)


def test_tag_probability_is_one_for_facts_the_score_for_proposals_and_nothing_when_rejected() -> None:
    index = catalog()
    positions, probability = index.carriers("tag:colour:red")
    assert dict(zip(positions.tolist(), probability.tolist(), strict=True)) == {0: 1.0, 1: pytest.approx(0.4)}
    positions, scores = tag_scores(
        index, ["tag:colour:red", "tag:material:cotton"], popularity_prior(index, 0.0)
    )
    assert positions.tolist() == [0] and scores.tolist() == [1.0]  # p3 is not red, p1 not cotton
    assert tag_scores(index, ["tag:colour:red", "tag:unknown"], popularity_prior(index, 0.0))[0].size == 0


def test_the_popularity_prior_orders_equally_likely_products() -> None:
    index = catalog(interactions=[(0, 1), (1, 1), (2, 0)])
    prior = popularity_prior(index, 1.0)
    assert prior[1] == 1.0 and prior[0] < prior[1] and prior[2] < prior[0]
    index.features[0, 0] = 0.4  # p0 red at the same probability as p1
    index.__post_init__()
    positions, scores = tag_scores(index, ["tag:colour:red"], prior)
    assert positions[np.argmax(scores)] == 1


def test_filters_take_a_category_with_its_descendants_a_brand_and_a_price_range() -> None:
    index = catalog()
    assert np.flatnonzero(index.allowed(Filters(category_id="cat:shoes"))).tolist() == [0, 1, 3]
    assert np.flatnonzero(index.allowed(Filters(category_id="cat:sneakers"))).tolist() == [0, 1]
    assert np.flatnonzero(index.allowed(Filters(brand_id="brand:acme"))).tolist() == [1]
    assert np.flatnonzero(index.allowed(Filters(min_price=15, max_price=45))).tolist() == [1, 3]
    assert not index.allowed(Filters(category_id="cat:none")).any()
    assert index.allowed(Filters()) is None


def test_top_never_returns_seeds_or_unscored_products_and_breaks_ties_by_id_order() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.0, 0.5], dtype=np.float32)
    assert top(scores, 3, [1], None) == [0, 2, 4]
    assert top(scores, 10, [], np.array([True, False, True, True, True])) == [0, 2, 4]


def test_item_parts_are_scaled_to_one_and_name_only_what_has_something_to_say() -> None:
    index = catalog()
    parts = item_parts(index, None, [0])
    assert set(parts) == {"co_interaction", "features", "popularity"}
    assert all(values.max() == pytest.approx(1.0) for values in parts.values())
    assert parts["co_interaction"].argmax() == 1  # both users of p0 took p1
    assert parts["features"][[2, 4]].tolist() == [0.0, 0.0]  # p2's red is rejected; p4 shares nothing
    scores, used = item_scores(index, None, [0], ItemFusion({"features": 1.0}))
    assert used == ["co_interaction", "features", "popularity"] and scores[2] == 0.0


def test_the_fusion_fit_puts_the_weight_on_the_part_that_predicts_the_target() -> None:
    rng = np.random.default_rng(0)
    n_users, n_items = 60, 40
    pairs = [(u, int(i)) for u in range(n_users) for i in rng.choice(n_items, 3, replace=False)]
    index = catalog()
    index = index_of_snapshot(
        GraphSnapshot(
            ids={
                "product": [f"p{i:02d}" for i in range(n_items)],
                "tag": [],
                "category": [],
                "brand": [],
                "user": [f"u{u}" for u in range(n_users)],
            },
            properties={"product": {}, "tag": {}, "category": {}, "brand": {}, "user": {}},
            edges={
                HAS_TAG: edges([], status=[], score=[], source=[]),
                IN_CATEGORY: edges([]),
                SUBCATEGORY_OF: edges([]),
                HAS_BRAND: edges([], status=[], score=[]),
                INTERACTED: edges(pairs, ts=list(range(len(pairs))), weight=[1.0] * len(pairs)),
            },
        )
    )
    popular = np.argsort(-index.popularity, kind="stable")
    targets = popular[:5][np.arange(n_users) % 5]  # the next item is always one of the most popular
    seeds = [[int(rng.integers(n_items))] for _ in range(n_users)]
    seen = [np.array(sorted({i for u2, i in pairs if u2 == u}), dtype=np.int64) for u in range(n_users)]
    negatives = np.stack(
        [rng.choice(np.setdiff1d(np.arange(n_items), [t]), 10, replace=False) for t in targets]
    )
    fit = fit_item_fusion(index, None, seeds, targets, negatives, seen)
    assert max(fit.fusion.weights, key=fit.fusion.weights.get) == "popularity"
    assert fit.users == n_users and len(fit.grid) == 11  # two parts, weights 0, 0.1, ..., 1


def test_the_popularity_exponent_is_fit_by_likelihood() -> None:
    popularity = np.array([100.0, 10.0, 1.0, 0.0])
    assert fit_popularity_exponent(popularity, np.array([0] * 90 + [1] * 9 + [2])) > 0.5
    assert fit_popularity_exponent(popularity, np.array([0, 1, 2, 3] * 10)) == 0.0


def test_ranking_quality_counts_ties_at_their_expected_value() -> None:
    scores = np.zeros((1, 30), dtype=np.float32)  # everything tied
    quality = ranking_quality(scores, np.array([0]), np.arange(1, 21)[None, :], [np.zeros(0, dtype=np.int64)])
    assert quality["sampled_hr10"] == pytest.approx(10 / 21)
    assert quality["full_recall20"] == pytest.approx(20 / 30)


def test_an_empty_graph_gives_an_empty_catalog_that_answers_nothing() -> None:
    index = index_of_snapshot(empty_snapshot())
    assert len(index) == 0 and index.histories == {}
    assert item_parts(index, None, []) == {}
    assert tag_scores(index, ["tag:colour:red"], popularity_prior(index, 1.0))[0].size == 0
    assert top(np.zeros(0, dtype=np.float32), 10, [], index.allowed(Filters(min_price=1))) == []


def test_item_parts_equal_their_dense_definitions_for_several_seeds() -> None:
    rng = np.random.default_rng(3)
    pairs = sorted(
        {(int(u), int(i)) for u, i in zip(rng.integers(0, 3, 12), rng.integers(0, 5, 12), strict=True)}
    )
    index = catalog(interactions=pairs)
    for seeds in ([0], [1, 3], [3, 0, 1], [4]):
        parts = item_parts(index, None, seeds)
        features = index.features
        expected = features @ (index.rarity * np.asarray(features[seeds].sum(axis=0)).ravel())
        co = np.log1p(np.asarray(index.co_interactions[seeds].sum(axis=0)).ravel())
        for name, reference in (("features", expected), ("co_interaction", co)):
            if reference.max() > 0:
                np.testing.assert_allclose(parts[name], reference / reference.max(), rtol=1e-6)
            else:
                assert name not in parts


def test_a_common_feature_scores_as_a_dense_column_exactly_as_a_sparse_one() -> None:
    index = catalog()
    sparse = item_parts(index, None, [0])["features"]
    index.common_position[:] = np.arange(len(index.feature_ids))  # every feature a dense column
    index.common_dense = np.asfortranarray(index.by_feature.toarray(), dtype=np.float32)
    np.testing.assert_allclose(item_parts(index, None, [0])["features"], sparse, rtol=1e-6)


def test_top_of_scored_positions_ranks_as_top_over_all_products() -> None:
    rng = np.random.default_rng(0)
    for trial in range(300):
        positions = rng.choice(60, 25, replace=False)
        scores = rng.choice([0.0, 0.25, 0.5, 1.0], 25).astype(np.float32)  # many ties
        dense = np.zeros(60, dtype=np.float32)
        dense[positions] = scores
        exclude = [int(p) for p in rng.choice(60, 4)]
        allowed = rng.random(60) > 0.3 if trial % 2 else None
        k = int(rng.integers(1, 12))
        assert [p for p, _ in top_of(positions, scores, k, exclude, allowed)] == top(
            dense, k, exclude, allowed
        )


def reference_top(scores: np.ndarray, k: int, exclude: list[int], allowed: np.ndarray | None) -> list[int]:
    """The definition of :func:`top`: a full sort by score, then position."""
    ranked = sorted(range(len(scores)), key=lambda p: (-scores[p], p))
    return [p for p in ranked if scores[p] > 0 and p not in exclude and (allowed is None or allowed[p])][:k]


def test_top_over_a_large_catalog_equals_a_full_sort_with_ties_and_filters() -> None:
    rng = np.random.default_rng(1)
    for trial in range(60):
        n = int(rng.integers(300, 20_000))
        levels = rng.choice([2, 5, 50, 10_000])  # few levels make large groups of ties
        scores = (rng.integers(0, levels, n) / levels).astype(np.float32)
        scores[rng.random(n) < rng.choice([0.0, 0.5, 0.99])] = 0.0
        k = int(rng.choice([1, 10, 100, 700]))
        exclude = [int(p) for p in rng.choice(n, int(rng.integers(0, 6)))]
        allowed = rng.random(n) > rng.choice([0.1, 0.9]) if trial % 3 == 0 else None
        assert top(scores, k, exclude, allowed) == reference_top(scores, k, exclude, allowed)


def test_item_scores_equal_the_weighted_sum_of_the_parts_it_did_not_skip() -> None:
    index = catalog()
    parts = item_parts(index, None, [0])
    for weights in ({"co_interaction": 0.0, "features": 0.7, "popularity": 0.3}, {"features": 0.0}):
        fusion = ItemFusion(weights)
        scores, used = item_scores(index, None, [0], fusion)
        share = fusion.of(list(parts))
        expected = sum(share[name] * values for name, values in parts.items())
        np.testing.assert_allclose(scores, expected, rtol=1e-6)
        assert used == [name for name in parts if share[name] > 0]

"""The GNN on small synthetic graphs: shapes, learning from the neighbourhood, seeds, fusion, files."""

from pathlib import Path

import numpy as np
import pytest
import torch

from taggraph.encoders.gnn.fusion import Fusion
from taggraph.encoders.gnn.model import GraphModel
from taggraph.encoders.gnn.network import HeteroSAGE, PairScorer
from taggraph.encoders.gnn.sampling import InEdges, NeighbourSampler
from taggraph.encoders.gnn.training import GNNConfig, GraphTensors, train_link_model
from taggraph.encoders.tagger.metrics import mean_average_precision
from taggraph.errors import ModelArtifactError

PRODUCTS, CATEGORIES, TAGS = 240, 6, 6


def category_graph(seed: int = 0) -> tuple[GraphTensors, np.ndarray, np.ndarray]:
    """Products whose only tag is their category's; their text features are noise.

    A model can only find a held-out product's tag through its category, which the training
    products of that category link to the tag.
    """
    rng = np.random.default_rng(seed)
    category = rng.integers(CATEGORIES, size=PRODUCTS)
    held_out = np.arange(PRODUCTS) % 4 == 0
    links = np.stack([np.flatnonzero(~held_out), category[~held_out]])
    graph = GraphTensors(
        x={
            "product": torch.from_numpy(rng.normal(size=(PRODUCTS, 8)).astype(np.float32)),
            "category": torch.arange(CATEGORIES),
            "tag": torch.arange(TAGS),
        },
        in_dims={"product": 8, "category": None, "tag": None},
        edges={
            ("product", "in_category", "category"): torch.tensor(np.stack([np.arange(PRODUCTS), category]))
        },
        target=("product", "has_tag", "tag"),
        links=torch.tensor(links),
    )
    truth = np.zeros((held_out.sum(), TAGS), dtype=np.int8)
    truth[np.arange(held_out.sum()), category[held_out]] = 1
    return graph, np.flatnonzero(held_out), truth


def test_encoder_shapes_and_repr() -> None:
    graph, _, _ = category_graph()
    encoder = HeteroSAGE(graph.in_dims, graph.num_nodes, graph.edge_types(), hidden=16, layers=2)
    h = encoder(graph.x, graph.message_edges())
    assert {t: tuple(v.shape) for t, v in h.items()} == {
        "product": (PRODUCTS, 16),
        "category": (CATEGORIES, 16),
        "tag": (TAGS, 16),
    }
    assert PairScorer(16, TAGS)(h["product"], h["tag"]).shape == (PRODUCTS, TAGS)
    assert "hidden=16" in repr(encoder) and "layers=2" in repr(encoder)
    before = [p.clone() for p in encoder.parameters()]
    torch.manual_seed(1)
    encoder.reset_parameters()
    assert any(not torch.equal(a, b) for a, b in zip(before, encoder.parameters(), strict=True))


def test_message_edges_hide_links_in_both_directions() -> None:
    graph, _, _ = category_graph()
    hidden = torch.zeros(graph.links.shape[1], dtype=torch.bool)
    hidden[:10] = True
    edges = graph.message_edges(hidden)
    assert edges[("product", "has_tag", "tag")].shape[1] == graph.links.shape[1] - 10
    assert torch.equal(edges[("tag", "rev_has_tag", "product")], edges[("product", "has_tag", "tag")].flip(0))


def held_out_map(model, graph: GraphTensors, rows: np.ndarray, truth: np.ndarray) -> float:
    return mean_average_precision(truth, model.scores(graph, torch.from_numpy(rows)).numpy())


def test_held_out_products_get_their_tag_through_the_neighbourhood() -> None:
    graph, rows, truth = category_graph()
    validation, test = slice(0, None, 2), slice(1, None, 2)  # early stopping never sees the test rows
    config = GNNConfig(hidden=16, epochs=60, eval_every=10, lr=1e-2, seed=3)
    model = train_link_model(
        graph, config, lambda m: held_out_map(m, graph, rows[validation], truth[validation])
    )
    assert held_out_map(model, graph, rows[test], truth[test]) > 0.9  # chance is about 0.4 with 6 tags


def test_a_seed_gives_the_same_model(tmp_path: Path) -> None:
    graph, rows, truth = category_graph()
    config = GNNConfig(hidden=8, epochs=6, eval_every=3, seed=11)
    first, second = (
        train_link_model(graph, config, lambda m: held_out_map(m, graph, rows, truth)) for _ in range(2)
    )
    for a, b in zip(first.encoder.parameters(), second.encoder.parameters(), strict=True):
        assert torch.equal(a, b)
    saved = GraphModel(first, config, GraphModel.shape_of(graph), {"task": "test"})
    loaded = GraphModel.load(saved.save(tmp_path / "gnn"))
    assert torch.equal(loaded.trained.scores(graph, torch.arange(5)), first.scores(graph, torch.arange(5)))
    other, _, _ = category_graph()
    other.in_dims = {**other.in_dims, "category": 4}
    with pytest.raises(ModelArtifactError, match="graph changed"):
        loaded.check(other)
    with pytest.raises(ModelArtifactError, match="no GNN model"):
        GraphModel.load(tmp_path / "missing")


def test_fusion_weighs_the_model_that_knows() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(2, size=(400, 5))
    knowing = np.clip(truth * 0.8 + rng.uniform(0, 0.2, truth.shape), 0, 1)
    guessing = rng.uniform(size=truth.shape)
    fusion = Fusion.fit(guessing, knowing, truth)
    assert fusion.gnn_weight > 5 * abs(fusion.tagger_weight)
    assert fusion(guessing, knowing).shape == truth.shape


def star_edges() -> dict:
    """Target 0 has 50 in-neighbours, target 1 has 3, target 2 none; product -> tag."""
    sources = torch.cat([torch.arange(50), torch.tensor([50, 51, 52])])
    targets = torch.cat([torch.zeros(50, dtype=torch.int64), torch.ones(3, dtype=torch.int64)])
    return {("product", "has_tag", "tag"): torch.stack([sources, targets])}


def test_sampler_keeps_seeds_first_and_caps_the_fanout() -> None:
    sampler = NeighbourSampler(star_edges(), {"product": 60, "tag": 3}, fanouts=[5])
    subgraph = sampler.sample({"tag": torch.tensor([1, 0, 2])}, torch.Generator().manual_seed(0))
    assert subgraph.nodes["tag"].tolist() == [1, 0, 2]
    edges = subgraph.edges[("product", "has_tag", "tag")]
    global_pairs = {
        (int(subgraph.nodes["product"][s]), int(subgraph.nodes["tag"][t])) for s, t in edges.T.tolist()
    }
    assert {(50, 1), (51, 1), (52, 1)} <= global_pairs  # a small neighbourhood is taken whole
    big = [s for s, t in global_pairs if t == 0]
    assert 1 <= len(big) <= 5 and all(s < 50 for s in big)  # a large one is capped
    assert len(set(subgraph.nodes["product"].tolist())) == subgraph.nodes["product"].shape[0]


def test_sampler_leaves_out_excluded_edges_and_walks_two_hops() -> None:
    edges = star_edges()
    edges[("tag", "rev_has_tag", "product")] = edges[("product", "has_tag", "tag")].flip(0)
    excluded = torch.zeros(53, dtype=torch.bool)
    excluded[50] = True  # the link 50 -> tag 1, in both directions
    sampler = NeighbourSampler(edges, {"product": 60, "tag": 3}, fanouts=[10, 10])
    subgraph = sampler.sample(
        {"product": torch.tensor([50, 51])},
        torch.Generator().manual_seed(0),
        {key: excluded for key in edges},
    )
    products = subgraph.nodes["product"].tolist()
    assert products[:2] == [50, 51] and 52 in products  # 51 -> tag 1 -> 52
    forward = subgraph.edges[("product", "has_tag", "tag")]
    pairs = {(products[s], int(subgraph.nodes["tag"][t])) for s, t in forward.T.tolist()}
    assert (50, 1) not in pairs and (51, 1) in pairs


def test_edges_of_finds_every_edge_into_the_targets_and_no_other() -> None:
    generator = torch.Generator().manual_seed(3)
    edge_index = torch.stack(
        [torch.randint(0, 50, (400,), generator=generator), torch.randint(0, 30, (400,), generator=generator)]
    )
    targets = torch.tensor([0, 7, 29, 12])
    found = InEdges(edge_index, 30).edges_of(targets)
    expected = torch.nonzero(torch.isin(edge_index[1], targets)).squeeze(1)
    assert torch.equal(torch.sort(found).values, expected)
    assert InEdges(edge_index, 30).edges_of(torch.tensor([], dtype=torch.int64)).numel() == 0


def test_mini_batches_learn_the_neighbourhood_and_repeat_with_a_seed() -> None:
    graph, rows, truth = category_graph()
    config = GNNConfig(hidden=16, epochs=30, eval_every=5, lr=1e-2, batch_size=32, fanouts=[10, 10], seed=3)
    model = train_link_model(graph, config, lambda m: held_out_map(m, graph, rows, truth))
    assert held_out_map(model, graph, rows, truth) > 0.9
    short = GNNConfig(**{**vars(config), "epochs": 2, "eval_every": 1})
    first, second = (train_link_model(graph, short, lambda m: 0.0) for _ in range(2))
    for a, b in zip(first.encoder.parameters(), second.encoder.parameters(), strict=True):
        assert torch.equal(a, b)

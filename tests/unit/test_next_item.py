"""The next-item graph model on small synthetic sequences: shapes, learning, held-out items, seeds."""

import numpy as np
import torch

from taggraph.encoders.gnn.next_item import (
    InteractionGraph,
    NextItemConfig,
    NextItemGNN,
    train_next_item,
    training_positions,
)

USERS, ITEMS, TAGS = 120, 30, 3


def cyclic_graph(seed: int = 0) -> tuple[InteractionGraph, list[list[int]]]:
    """Each user walks items ``i, i+1, i+2, ...`` (mod ITEMS) from a random start; tags group items."""
    rng = np.random.default_rng(seed)
    full = []
    for _ in range(USERS):
        start, length = int(rng.integers(ITEMS)), int(rng.integers(5, 9))
        full.append([(start + step) % ITEMS for step in range(length)])
    items = torch.arange(ITEMS)
    graph = InteractionGraph(USERS, ITEMS, TAGS, [s[:-1] for s in full], torch.stack([items, items % TAGS]))
    return graph, full


def hit_rate(trained, graph: InteractionGraph, full: list[list[int]], k: int = 3) -> float:
    scores = trained.scorer(graph)(np.arange(USERS))
    top = np.argsort(-scores, axis=1)[:, :k]
    return float(np.mean([full[user][-1] in top[user] for user in range(USERS)]))


def test_training_positions_hold_the_latest_items_newest_first() -> None:
    histories, targets = training_positions([[4, 5, 6], [7]], recent=2)
    assert histories.tolist() == [[4, -1], [5, 4]]
    assert targets.tolist() == [5, 6]


def test_shapes_repr_and_reset() -> None:
    graph, _ = cyclic_graph()
    model = NextItemGNN(USERS, ITEMS, TAGS, hidden=8, layers=2, recent=3)
    items = model.items(*graph.edge_index())
    assert items.shape == (ITEMS, 8)
    query = model.query(items, graph.latest(3))
    assert query.shape == (USERS, 8)
    assert model.scores(query, items).shape == (USERS, ITEMS)
    assert "items=30" in repr(model) and "recent=3" in repr(model)
    before = model.embedding.weight.clone()
    model.reset_parameters()
    assert not torch.equal(before, model.embedding.weight)


def test_a_user_with_no_history_gets_a_finite_query() -> None:
    graph, _ = cyclic_graph()
    model = NextItemGNN(USERS, ITEMS, TAGS, hidden=8)
    items = model.items(*graph.edge_index())
    assert torch.isfinite(model.query(items, torch.full((2, 5), -1))).all()


def test_the_held_out_next_item_is_learned_from_the_sequences() -> None:
    graph, full = cyclic_graph()
    train = graph.with_sequences([s[:-1] for s in graph.sequences])  # the last seen item validates
    config = NextItemConfig(hidden=16, layers=1, recent=2, epochs=40, batch_size=64, lr=2e-2, patience=40)
    trained = train_next_item(train, config, lambda model: hit_rate(model, train, graph.sequences))
    assert hit_rate(trained, graph, full) > 0.8  # chance is 0.1 (3 of 30 items)


def test_a_seed_gives_the_same_model() -> None:
    graph, full = cyclic_graph()
    config = NextItemConfig(hidden=8, epochs=6, batch_size=64, patience=2, seed=5)
    first, second = (train_next_item(graph, config, lambda model: 0.0) for _ in range(2))
    for a, b in zip(first.model.parameters(), second.model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert len(first.history) == 3  # patience 2: the first score stands, two epochs more, then stop

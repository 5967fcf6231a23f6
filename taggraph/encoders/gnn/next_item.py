"""Next-item recommendation over the interaction graph: users, items and their attribute tags.

Every node (user, item, tag) has a learned embedding; LightGCN propagation (PyG's ``LGConv``)
over the user-item and item-tag edges mixes each item with the users who took it and the tags it
carries, so items that share buyers or attributes land close together. A user is asked about
through their latest items: a recency-weighted mean of those items' propagated embeddings (the
weight of each position is learned), projected once. Training is a softmax over every item for
each next-item position of the users' training sequences, in mini-batches of positions; the
graph is propagated once per step.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional
from torch_geometric.nn import LGConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm

from taggraph.encoders.fitting import EarlyStopping, seed_everything

PADDING = -1


@dataclass
class InteractionGraph:
    """Users' time-ordered item sequences and the items' tags, as indices.

    Attributes:
        num_users: User count.
        num_items: Item count.
        num_tags: Tag count.
        sequences: Per user, item indices in time order (what message passing may see).
        item_tags: ``[2, E]`` item and tag indices.

    """

    num_users: int
    num_items: int
    num_tags: int
    sequences: list[list[int]]
    item_tags: Tensor

    @property
    def num_nodes(self) -> int:
        """Users, items and tags in one index space (in that order)."""
        return self.num_users + self.num_items + self.num_tags

    def with_sequences(self, sequences: list[list[int]]) -> "InteractionGraph":
        """The same items and tags with other interactions (for example up to the validation item)."""
        return InteractionGraph(self.num_users, self.num_items, self.num_tags, sequences, self.item_tags)

    def edge_index(self) -> tuple[Tensor, Tensor]:
        """``[2, E]`` undirected edges of the homogeneous view and their symmetric-normalised weights."""
        users = np.repeat(np.arange(len(self.sequences)), [len(s) for s in self.sequences])
        items = np.fromiter((i for s in self.sequences for i in s), dtype=np.int64, count=len(users))
        item_offset, tag_offset = self.num_users, self.num_users + self.num_items
        interactions = torch.from_numpy(np.stack([users, items + item_offset]))
        tags = torch.stack([self.item_tags[0] + item_offset, self.item_tags[1] + tag_offset])
        forward = torch.cat([interactions, tags], 1)
        edges = torch.cat([forward, forward.flip(0)], 1)
        edges = torch.unique(edges, dim=1)
        return gcn_norm(edges, None, self.num_nodes, add_self_loops=False)

    def latest(self, recent: int) -> Tensor:
        """``[num_users, recent]`` each user's latest items, newest first, padded with -1."""
        out = torch.full((len(self.sequences), recent), PADDING, dtype=torch.int64)
        for user, sequence in enumerate(self.sequences):
            tail = sequence[-recent:][::-1]
            out[user, : len(tail)] = torch.tensor(tail, dtype=torch.int64)
        return out


class NextItemGNN(nn.Module):
    """Node embeddings, LightGCN propagation and a recency-weighted query.

    Args:
        num_users: User count.
        num_items: Item count.
        num_tags: Tag count.
        hidden: Embedding width.
        layers: Propagation layers (the output is the mean of every layer, the input included).
        recent: How many of a user's latest items form the query.

    """

    def __init__(
        self,
        num_users: int,
        num_items: int,
        num_tags: int,
        hidden: int = 64,
        layers: int = 2,
        recent: int = 5,
    ) -> None:
        super().__init__()
        self.num_users, self.num_items, self.num_tags = num_users, num_items, num_tags
        self.embedding = nn.Embedding(num_users + num_items + num_tags, hidden)
        self.convs = nn.ModuleList(LGConv(normalize=False) for _ in range(layers))
        self.position = nn.Parameter(torch.zeros(recent))
        self.project = nn.Linear(hidden, hidden)
        self.item_bias = nn.Parameter(torch.zeros(num_items))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Small random embeddings, equal position weights, an identity projection, zero biases."""
        nn.init.normal_(self.embedding.weight, std=0.1)
        with torch.no_grad():
            self.position.zero_()
            self.project.weight.copy_(torch.eye(self.project.in_features))
            self.project.bias.zero_()
            self.item_bias.zero_()

    def items(self, edge_index: Tensor, edge_weight: Tensor) -> Tensor:
        """``[num_items, hidden]`` item embeddings after propagation over ``[2, E]`` weighted edges."""
        h = self.embedding.weight
        layers = [h]
        for conv in self.convs:
            h = conv(h, edge_index, edge_weight)
            layers.append(h)
        mean = torch.stack(layers).mean(0)
        return mean[self.num_users : self.num_users + self.num_items]

    def query(self, items: Tensor, latest: Tensor) -> Tensor:
        """``[B, hidden]`` queries from ``[B, recent]`` latest item indices (newest first, -1 padding)."""
        known = latest >= 0
        vectors = items[latest.clamp_min(0)]  # padding reads item 0, with weight 0 below
        weights = torch.softmax(self.position, 0) * known
        weights = weights / weights.sum(1, keepdim=True).clamp_min(1e-9)
        return self.project((weights.unsqueeze(-1) * vectors).sum(1))

    def scores(self, query: Tensor, items: Tensor) -> Tensor:
        """``[B, hidden]`` queries and ``[I, hidden]`` items -> ``[B, I]`` logits."""
        return query @ items.T + self.item_bias

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(users={self.num_users}, items={self.num_items}, tags={self.num_tags}, "
            f"hidden={self.embedding.embedding_dim}, layers={len(self.convs)}, "
            f"recent={self.position.numel()})"
        )


@dataclass
class NextItemConfig:
    """How to train.

    Attributes:
        hidden: Embedding width.
        layers: Propagation layers.
        recent: Latest items per query.
        epochs: Most passes over the training positions.
        batch_size: Positions per step.
        lr: Adam learning rate.
        patience: Validations without a better score before stopping.
        seed: Seed of weights and batch order.

    """

    hidden: int = 64
    layers: int = 2
    recent: int = 5
    epochs: int = 30
    batch_size: int = 1024
    lr: float = 2e-3
    patience: int = 2
    seed: int = 0


@dataclass
class TrainedNextItemModel:
    """A trained model with the validation history that chose it."""

    model: NextItemGNN
    recent: int
    history: list[dict[str, float]] = field(default_factory=list)

    @torch.no_grad()
    def scorer(self, graph: InteractionGraph) -> Callable[[Sequence[int]], np.ndarray]:
        """A function of user indices -> ``[len(users), num_items]`` next-item logits from ``graph``.

        The graph is propagated once; each call scores only the users it is given.
        """
        self.model.eval()
        items = self.model.items(*graph.edge_index())
        queries = self.model.query(items, graph.latest(self.recent))

        def score(users: Sequence[int]) -> np.ndarray:
            rows = queries[torch.as_tensor(np.asarray(users), dtype=torch.int64)]
            with torch.no_grad():
                return self.model.scores(rows, items).numpy()

        return score


def training_positions(sequences: list[list[int]], recent: int) -> tuple[Tensor, Tensor]:
    """Every next-item position: ``[P, recent]`` latest items before it (newest first) and ``[P]`` targets."""
    histories, targets = [], []
    for sequence in sequences:
        for position in range(1, len(sequence)):
            tail = sequence[max(0, position - recent) : position][::-1]
            histories.append(tail + [PADDING] * (recent - len(tail)))
            targets.append(sequence[position])
    return torch.tensor(histories, dtype=torch.int64).reshape(-1, recent), torch.tensor(
        targets, dtype=torch.int64
    )


def train_next_item(
    graph: InteractionGraph,
    config: NextItemConfig,
    validate: Callable[[TrainedNextItemModel], float],
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainedNextItemModel:
    """Train on every next-item position of ``graph.sequences``, early-stopped on ``validate``.

    Args:
        graph: Training interactions (message passing and positions) and item tags.
        config: Settings.
        validate: Scores a model on held-out next items (higher is better), once per epoch.
        on_epoch: Called with each epoch and its mean loss.

    Returns:
        The best model seen, in eval mode.

    """
    seed_everything(config.seed, deterministic=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = NextItemGNN(
        graph.num_users, graph.num_items, graph.num_tags, config.hidden, config.layers, config.recent
    )
    trained = TrainedNextItemModel(model.to(device), config.recent)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)  # .to() keeps parameters in place
    edge_index, edge_weight = (tensor.to(device) for tensor in graph.edge_index())
    histories, targets = training_positions(graph.sequences, config.recent)
    generator = torch.Generator().manual_seed(config.seed)
    stopping = EarlyStopping(config.patience)
    for epoch in range(1, config.epochs + 1):
        model.to(device).train()
        order = torch.randperm(len(targets), generator=generator)
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            items = model.items(edge_index, edge_weight)
            logits = model.scores(model.query(items, histories[batch].to(device)), items)
            loss = functional.cross_entropy(logits, targets[batch].to(device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        mean_loss = total / max(len(targets), 1)
        if on_epoch is not None:
            on_epoch(epoch, mean_loss)
        model.cpu()  # validation scores CPU graphs
        score = validate(trained)
        trained.history.append({"epoch": epoch, "loss": mean_loss, "validation": score})
        if stopping.update(score, model):
            break
    stopping.restore(model)
    model.cpu()
    return trained

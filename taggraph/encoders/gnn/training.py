"""Training a link model: which targets (tags, items) each source (product, user) links to.

Full-graph training: every epoch embeds the whole graph once. Supervised links are hidden from
message passing, so the model learns to predict links it cannot see: with ``holdout="sources"``
a random share of training sources loses all its target links (as a new product with no tags
yet); with ``holdout="edges"`` a random share of links is hidden (as a user's next item).
"""

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional

from taggraph.encoders.gnn.network import EdgeType, HeteroSAGE, LinkScorer


@dataclass
class GraphTensors:
    """The graph as tensors, without the links to learn.

    Attributes:
        x: Node type -> ``[N, d]`` features, or ``[N]`` indices for a learned embedding.
        in_dims: Node type -> feature width, None for a learned embedding.
        edges: Edge type -> ``[2, E]`` message-passing edges (reverse types are added here).
        target: The edge type to predict, such as ``("product", "has_tag", "tag")``.
        links: ``[2, L]`` known links of the target type (training sources only), also used
            for message passing except where hidden.

    """

    x: dict[str, Tensor]
    in_dims: dict[str, int | None]
    edges: dict[EdgeType, Tensor]
    target: EdgeType
    links: Tensor

    @property
    def num_nodes(self) -> dict[str, int]:
        """Node type -> count."""
        return {node_type: int(x.shape[0]) for node_type, x in self.x.items()}

    def message_edges(self, hidden: Tensor | None = None) -> dict[EdgeType, Tensor]:
        """Edges to pass messages on, both directions, with the links where ``hidden`` is False."""
        links = self.links if hidden is None else self.links[:, ~hidden]
        forward = {**self.edges, self.target: links}
        both = dict(forward)
        for (source, relation, target), index in forward.items():
            both[(target, f"rev_{relation}", source)] = index.flip(0)
        return both

    def edge_types(self) -> list[EdgeType]:
        """Every edge type messages flow along."""
        return list(self.message_edges().keys())


@dataclass
class GNNConfig:
    """How to train.

    Attributes:
        hidden: Embedding width.
        layers: Message-passing layers.
        dropout: Input dropout.
        epochs: Most epochs.
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        holdout: ``sources`` (hide all links of some sources) or ``edges`` (hide some links).
        holdout_fraction: Share of sources or links hidden and supervised each epoch.
        loss: ``multilabel`` (a sigmoid per target) or ``softmax`` (one softmax over targets).
        batch_sources: Most supervised sources per step (a random subset when more are hidden);
            0 scores them all.
        patience: Validations without a better score before stopping.
        eval_every: Epochs between validations.
        seed: Seed of weights, masks and dropout.

    """

    hidden: int = 128
    layers: int = 2
    dropout: float = 0.1
    epochs: int = 200
    lr: float = 1e-2
    weight_decay: float = 1e-5
    holdout: Literal["sources", "edges"] = "sources"
    holdout_fraction: float = 0.5
    loss: Literal["multilabel", "softmax"] = "multilabel"
    batch_sources: int = 0
    patience: int = 5
    eval_every: int = 5
    seed: int = 0


@dataclass
class TrainedLinkModel:
    """An encoder and scorer with the validation history that chose them."""

    encoder: HeteroSAGE
    scorer: LinkScorer
    history: list[dict[str, float]] = field(default_factory=list)

    @torch.no_grad()
    def embed(self, graph: GraphTensors) -> dict[str, Tensor]:
        """Node type -> ``[N, hidden]`` embeddings over every known link."""
        self.encoder.eval()
        return self.encoder(graph.x, graph.message_edges())

    @torch.no_grad()
    def scores(
        self, graph: GraphTensors, sources: Tensor, embeddings: dict[str, Tensor] | None = None
    ) -> Tensor:
        """``[len(sources), targets]`` sigmoid of the logits (for a softmax model: a ranking)."""
        h = embeddings if embeddings is not None else self.embed(graph)
        source_type, _, target_type = graph.target
        logits = self.scorer(h[source_type][sources], h[target_type])
        return torch.sigmoid(logits)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def train_link_model(
    graph: GraphTensors,
    config: GNNConfig,
    validate: Callable[[TrainedLinkModel], float],
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainedLinkModel:
    """Train with early stopping on ``validate`` (higher is better); keep the best weights.

    Args:
        graph: The graph and the training links.
        config: Settings.
        validate: Scores a model on validation sources (for example mAP of their held-out links).
        on_epoch: Called with the epoch and its loss.

    Returns:
        The best model seen, in eval mode.

    """
    seed_everything(config.seed)
    source_type, _, target_type = graph.target
    encoder = HeteroSAGE(
        graph.in_dims, graph.num_nodes, graph.edge_types(), config.hidden, config.layers, config.dropout
    )
    scorer = LinkScorer(config.hidden, graph.num_nodes[target_type])
    model = TrainedLinkModel(encoder, scorer)
    parameters = [*encoder.parameters(), *scorer.parameters()]
    optimiser = torch.optim.Adam(parameters, lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    link_sources = graph.links[0]
    known_sources = torch.unique(link_sources)
    best, best_state, stale = -1.0, None, 0
    for epoch in range(1, config.epochs + 1):
        encoder.train()
        if config.holdout == "sources":
            chosen = known_sources[
                torch.rand(known_sources.shape[0], generator=generator) < config.holdout_fraction
            ]
            hidden = torch.isin(link_sources, chosen)
        else:
            hidden = torch.rand(link_sources.shape[0], generator=generator) < config.holdout_fraction
            chosen = torch.unique(link_sources[hidden])
        if config.batch_sources and chosen.shape[0] > config.batch_sources:
            keep = torch.randperm(chosen.shape[0], generator=generator)[: config.batch_sources]
            chosen = torch.sort(chosen[keep]).values
        supervised = hidden & torch.isin(link_sources, chosen)
        h = encoder(graph.x, graph.message_edges(hidden))
        logits = scorer(h[source_type][chosen], h[target_type])
        truth = torch.zeros_like(logits)
        rows = torch.searchsorted(chosen, link_sources[supervised])
        truth[rows, graph.links[1][supervised]] = 1.0
        if config.loss == "multilabel":
            loss = functional.binary_cross_entropy_with_logits(logits, truth)
        else:
            log_probabilities = torch.log_softmax(logits, dim=1)
            loss = -(log_probabilities * truth).sum() / truth.sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        value = loss.item()
        if on_epoch is not None:
            on_epoch(epoch, value)
        if epoch % config.eval_every and epoch != config.epochs:
            continue
        score = validate(model)
        model.history.append({"epoch": epoch, "loss": value, "validation": score})
        if score > best:
            best, stale = score, 0
            best_state = (copy.deepcopy(encoder.state_dict()), copy.deepcopy(scorer.state_dict()))
        else:
            stale += 1
            if stale >= config.patience:
                break
    if best_state is not None:
        encoder.load_state_dict(best_state[0])
        scorer.load_state_dict(best_state[1])
    encoder.eval()
    return model

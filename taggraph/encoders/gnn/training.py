"""Training a link model: which targets (tags, items) each source (product, user) links to.

Supervised links are hidden from message passing, so the model learns to predict links it
cannot see: with ``holdout="sources"`` a supervised source loses all its target links (as a new
product with no tags yet); with ``holdout="edges"`` a share of its links is hidden (as a user's
next item).

Full-graph training (``batch_size=0``) embeds the whole graph once per step: one step an epoch,
the supervised sources a random ``holdout_fraction`` of them. Mini-batch training
(``batch_size>0``) walks every training source once an epoch in batches; each step samples the
batch's neighbourhood and every target's (``fanouts`` per hop, :mod:`sampling`) with the batch's
hidden links left out, so memory follows the batch and not the graph.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional

from taggraph.encoders.fitting import EarlyStopping, seed_everything
from taggraph.encoders.gnn.network import EdgeType, HeteroSAGE, PairScorer
from taggraph.encoders.gnn.sampling import InEdges, NeighbourSampler


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

    def to(self, device: torch.device) -> "GraphTensors":
        """The same graph with every tensor on ``device``."""
        return GraphTensors(
            x={t: value.to(device) for t, value in self.x.items()},
            in_dims=dict(self.in_dims),
            edges={t: value.to(device) for t, value in self.edges.items()},
            target=self.target,
            links=self.links.to(device),
        )


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
        batch_sources: Full-graph training: most supervised sources per step (a random subset
            when more are hidden); 0 scores them all.
        batch_size: Sources per mini-batch step; 0 trains full-graph.
        fanouts: Mini-batch training: most neighbours per node, edge type and hop (one per layer).
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
    batch_size: int = 0
    fanouts: list[int] = field(default_factory=lambda: [10, 10])
    patience: int = 5
    eval_every: int = 5
    seed: int = 0


@dataclass
class TrainedLinkModel:
    """An encoder and scorer with the validation history that chose them."""

    encoder: HeteroSAGE
    scorer: PairScorer
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


def _loss(logits: Tensor, rows: Tensor, columns: Tensor, kind: str) -> Tensor:
    """Loss of ``[S, T]`` logits whose true links are ``(rows, columns)``."""
    truth = torch.zeros_like(logits)
    truth[rows, columns] = 1.0
    if kind == "multilabel":
        return functional.binary_cross_entropy_with_logits(logits, truth)
    return -(torch.log_softmax(logits, dim=1) * truth).sum() / truth.sum().clamp_min(1.0)


def _hide(
    graph: GraphTensors, config: GNNConfig, sources: Tensor, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """The links hidden this step and the sources supervised on them (sorted), from candidate sources."""
    link_sources = graph.links[0]
    hidden = torch.isin(link_sources, sources)
    if config.holdout == "edges":
        hidden &= torch.rand(link_sources.shape[0], generator=generator) < config.holdout_fraction
    return hidden, torch.unique(link_sources[hidden])


def _full_graph_steps(
    graph: GraphTensors,
    on_device: GraphTensors,
    config: GNNConfig,
    model: TrainedLinkModel,
    generator: torch.Generator,
) -> Iterator[Tensor]:
    """One step over the whole graph (``on_device``: its copy on the model's device); yields its loss."""
    source_type, _, target_type = graph.target
    link_sources = graph.links[0]
    known = torch.unique(link_sources)
    if config.holdout == "sources":
        candidates = known[torch.rand(known.shape[0], generator=generator) < config.holdout_fraction]
    else:
        candidates = known
    hidden, chosen = _hide(graph, config, candidates, generator)
    if config.batch_sources and chosen.shape[0] > config.batch_sources:
        keep = torch.randperm(chosen.shape[0], generator=generator)[: config.batch_sources]
        chosen = torch.sort(chosen[keep]).values
    supervised = hidden & torch.isin(link_sources, chosen)
    rows, columns = torch.searchsorted(chosen, link_sources[supervised]), graph.links[1][supervised]
    device = on_device.links.device
    h = model.encoder(on_device.x, on_device.message_edges(hidden.to(device)))
    logits = model.scorer(h[source_type][chosen.to(device)], h[target_type])
    yield _loss(logits, rows.to(device), columns.to(device), config.loss)


def _mini_batch_steps(
    graph: GraphTensors,
    config: GNNConfig,
    model: TrainedLinkModel,
    sampler: NeighbourSampler,
    generator: torch.Generator,
) -> Iterator[Tensor]:
    """Every training source once, ``batch_size`` a step; yields each step's loss.

    A step costs what its batch touches: its links are found through an index by source, not by
    a pass over every link.
    """
    source_type, relation, target_type = graph.target
    reverse = (target_type, f"rev_{relation}", source_type)
    targets = torch.arange(graph.num_nodes[target_type])
    known = torch.unique(graph.links[0])
    order = known[torch.randperm(known.shape[0], generator=generator)]
    links_by_source = InEdges(graph.links.flip(0), graph.num_nodes[source_type])
    for start in range(0, order.shape[0], config.batch_size):
        positions = links_by_source.edges_of(order[start : start + config.batch_size])
        if config.holdout == "edges":
            drawn = torch.rand(positions.shape[0], generator=generator)
            positions = positions[drawn < config.holdout_fraction]
        if positions.numel() == 0:
            continue
        chosen = torch.unique(graph.links[0][positions])
        hidden = torch.zeros(graph.links.shape[1], dtype=torch.bool)
        hidden[positions] = True
        subgraph = sampler.sample(
            {source_type: chosen, target_type: targets}, generator, {graph.target: hidden, reverse: hidden}
        )
        device = next(model.encoder.parameters()).device
        x = {t: graph.x[t][index].to(device) for t, index in subgraph.nodes.items()}
        h = model.encoder(x, {t: index.to(device) for t, index in subgraph.edges.items()})
        logits = model.scorer(h[source_type][: chosen.shape[0]], h[target_type][: targets.shape[0]])
        rows = torch.searchsorted(chosen, graph.links[0][positions]).to(device)
        yield _loss(logits, rows, graph.links[1][positions].to(device), config.loss)


def train_link_model(
    graph: GraphTensors,
    config: GNNConfig,
    validate: Callable[[TrainedLinkModel], float],
    on_epoch: Callable[[int, float], None] | None = None,
) -> TrainedLinkModel:
    """Train with early stopping on ``validate`` (higher is better); keep the best weights.

    Args:
        graph: The graph and the training links.
        config: Settings (``batch_size`` chooses full-graph or mini-batch steps).
        validate: Scores a model on validation sources (for example mAP of their held-out links).
        on_epoch: Called with the epoch and its mean loss.

    Returns:
        The best model seen, in eval mode, on the CPU (it trains on CUDA when present).

    """
    seed_everything(config.seed, deterministic=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    _, _, target_type = graph.target
    encoder = HeteroSAGE(
        graph.in_dims, graph.num_nodes, graph.edge_types(), config.hidden, config.layers, config.dropout
    )
    scorer = PairScorer(config.hidden, graph.num_nodes[target_type])
    model = TrainedLinkModel(encoder.to(device), scorer.to(device))
    parameters = [*encoder.parameters(), *scorer.parameters()]
    optimiser = torch.optim.Adam(parameters, lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    sampler = (
        NeighbourSampler(graph.message_edges(), graph.num_nodes, config.fanouts[: config.layers])
        if config.batch_size
        else None
    )
    on_device = graph.to(device) if sampler is None else graph
    stopping = EarlyStopping(config.patience)
    modules = nn.ModuleDict({"encoder": encoder, "scorer": scorer})
    for epoch in range(1, config.epochs + 1):
        encoder.train()
        steps = (
            _mini_batch_steps(graph, config, model, sampler, generator)
            if sampler is not None
            else _full_graph_steps(graph, on_device, config, model, generator)
        )
        losses = []
        for loss in steps:
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        value = float(np.mean(losses)) if losses else 0.0
        if on_epoch is not None:
            on_epoch(epoch, value)
        if epoch % config.eval_every and epoch != config.epochs:
            continue
        score = _validate_on_cpu(model, validate)
        model.history.append({"epoch": epoch, "loss": value, "validation": score})
        if stopping.update(score, modules):
            break
    stopping.restore(modules)
    model.encoder, model.scorer = encoder.cpu().eval(), scorer.cpu()
    return model


def _validate_on_cpu(model: TrainedLinkModel, validate: Callable[[TrainedLinkModel], float]) -> float:
    """Run ``validate`` (which scores CPU graphs) with the model on the CPU, then move it back."""
    device = next(model.encoder.parameters()).device
    if device.type == "cpu":
        return validate(model)
    model.encoder.cpu()
    model.scorer.cpu()
    try:
        return validate(model)
    finally:
        model.encoder.to(device)
        model.scorer.to(device)

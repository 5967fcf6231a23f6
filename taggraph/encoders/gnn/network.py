"""A heterogeneous GraphSAGE encoder and the dot-product scorer of links from one node type to another."""

import torch
from torch import Tensor, nn
from torch_geometric.nn import HeteroConv, SAGEConv

EdgeType = tuple[str, str, str]


class HeteroSAGE(nn.Module):
    """Node embeddings from node features and the typed neighbourhood.

    Each node type enters through a linear projection of its features (product text, tag and
    category names) or, without features, a learned embedding per node (users). Each layer is a
    ``HeteroConv`` of one ``SAGEConv`` per edge type (mean aggregation, summed over types) with a
    residual connection and layer norm; the input projection is added to the last layer's output,
    so a node keeps its own text however thin or loud its neighbourhood.

    Args:
        in_dims: Node type -> feature width, or None for a learned embedding.
        num_nodes: Node type -> node count (used by learned embeddings).
        edge_types: ``(source, relation, target)`` types messages flow along.
        hidden: Embedding width.
        layers: Message-passing layers.
        dropout: Dropout on the input projection.

    """

    def __init__(
        self,
        in_dims: dict[str, int | None],
        num_nodes: dict[str, int],
        edge_types: list[EdgeType],
        hidden: int = 128,
        layers: int = 2,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.hidden = hidden
        self.edge_types = list(edge_types)
        self.inputs = nn.ModuleDict(
            {
                node_type: nn.Linear(dim, hidden)
                if dim
                else nn.Embedding(max(num_nodes[node_type], 1), hidden)
                for node_type, dim in in_dims.items()
            }
        )
        self.convs = nn.ModuleList(
            HeteroConv(
                {edge_type: SAGEConv((hidden, hidden), hidden) for edge_type in self.edge_types}, aggr="sum"
            )
            for _ in range(layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({node_type: nn.LayerNorm(hidden) for node_type in in_dims}) for _ in range(layers)
        )
        self.dropout = nn.Dropout(dropout)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every weight."""
        for module in self.inputs.values():
            module.reset_parameters()
        for conv in self.convs:
            conv.reset_parameters()
        for norms in self.norms:
            for norm in norms.values():
                norm.reset_parameters()

    def forward(
        self, x_dict: dict[str, Tensor], edge_index_dict: dict[EdgeType, Tensor]
    ) -> dict[str, Tensor]:
        """Embed every node.

        Args:
            x_dict: Node type -> ``[N, in_dim]`` features, or ``[N]`` node indices for a type
                with a learned embedding.
            edge_index_dict: Edge type -> ``[2, E]`` source and target indices.

        Returns:
            Node type -> ``[N, hidden]`` embeddings.

        """
        inputs = {node_type: self.dropout(self.inputs[node_type](x)) for node_type, x in x_dict.items()}
        h = inputs
        edges = {
            edge_type: index for edge_type, index in edge_index_dict.items() if edge_type in self.edge_types
        }
        for conv, norms in zip(self.convs, self.norms, strict=True):
            messages = conv(h, edges)
            h = {
                node_type: norms[node_type](value + torch.relu(messages[node_type]))
                if node_type in messages
                else norms[node_type](value)
                for node_type, value in h.items()
            }
        return {node_type: h[node_type] + inputs[node_type] for node_type in h}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(types={list(self.inputs)}, edge_types={len(self.edge_types)}, "
            f"hidden={self.hidden}, layers={len(self.convs)})"
        )


class PairScorer(nn.Module):
    """Scores every (source, target) pair: ``s W · t / √hidden + s · v[target] + b[target]``.

    The bilinear term lets targets that share neighbours score alike; the per-target vector
    ``v`` and bias ``b`` are a linear classifier over the source embedding, which learns a target
    even where its own embedding says little.

    Args:
        hidden: Embedding width.
        num_targets: Target node count.

    """

    def __init__(self, hidden: int, num_targets: int) -> None:
        super().__init__()
        self.project = nn.Linear(hidden, hidden, bias=False)
        self.classify = nn.Linear(hidden, num_targets)
        self.scale = hidden**-0.5
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise the projection (identity) and the classifier."""
        with torch.no_grad():
            self.project.weight.copy_(torch.eye(self.project.in_features))
        self.classify.reset_parameters()

    def forward(self, source_h: Tensor, target_h: Tensor) -> Tensor:
        """``[S, hidden]`` and ``[T, hidden]`` embeddings -> ``[S, T]`` logits."""
        return self.project(source_h) @ target_h.T * self.scale + self.classify(source_h)

    def __repr__(self) -> str:
        hidden, targets = self.project.in_features, self.classify.out_features
        return f"{type(self).__name__}(hidden={hidden}, targets={targets})"

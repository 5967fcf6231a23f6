"""Neighbour sampling over typed edges, in plain torch, for mini-batch training.

PyG's ``NeighborLoader`` samples through pyg-lib or torch-sparse, which PyPI does not serve for
every torch build; this sampler needs neither. Per hop, every node reached so far that has not
been expanded takes all its in-neighbours along each edge type when it has at most ``fanout``
of them, and ``fanout`` drawn uniformly with replacement otherwise (repeats are dropped). Seeds
come first in the subgraph's node order, so the first rows of every output are theirs.
"""

from dataclasses import dataclass

import torch
from torch import Tensor

EdgeType = tuple[str, str, str]


@dataclass
class Subgraph:
    """A sampled neighbourhood.

    Attributes:
        nodes: Node type -> ``[n]`` global indices; each type's seeds first, in the order given.
        edges: Edge type -> ``[2, e]`` local indices into ``nodes`` of its source and target types.

    """

    nodes: dict[str, Tensor]
    edges: dict[EdgeType, Tensor]


class InEdges:
    """One edge type grouped by target: ``pointer[t]:pointer[t+1]`` are the rows of target ``t``."""

    def __init__(self, edge_index: Tensor, num_targets: int) -> None:
        order = torch.argsort(edge_index[1], stable=True)
        self.sources = edge_index[0, order]
        self.edge_ids = order
        counts = torch.bincount(edge_index[1], minlength=num_targets)
        self.pointer = torch.zeros(num_targets + 1, dtype=torch.int64)
        self.pointer[1:] = torch.cumsum(counts, 0)

    def edges_of(self, targets: Tensor) -> Tensor:
        """``[e]`` ids (positions in the ``edge_index`` given) of every edge into ``targets``."""
        rows, _ = self._all_rows(targets)
        return self.edge_ids[rows]

    def _all_rows(self, targets: Tensor) -> tuple[Tensor, Tensor]:
        """Every row position of ``targets`` and the target of each."""
        start, degree = self.pointer[targets], self.pointer[targets + 1] - self.pointer[targets]
        first = torch.cumsum(degree, 0) - degree
        offsets = torch.arange(int(degree.sum())) - torch.repeat_interleave(first, degree)
        return torch.repeat_interleave(start, degree) + offsets, torch.repeat_interleave(targets, degree)

    def sample(self, targets: Tensor, fanout: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """Row positions and their targets: all rows of small targets, ``fanout`` draws of large ones."""
        start, degree = self.pointer[targets], self.pointer[targets + 1] - self.pointer[targets]
        small = degree <= fanout
        every, every_target = self._all_rows(targets[small])
        large = ~small
        large_start = torch.repeat_interleave(start[large], fanout)
        large_degree = torch.repeat_interleave(degree[large], fanout)
        draws = large_start + (torch.rand(large_start.shape[0], generator=generator) * large_degree).long()
        drawn_target = torch.repeat_interleave(targets[large], fanout)
        return torch.cat([every, draws]), torch.cat([every_target, drawn_target])


class NeighbourSampler:
    """Samples ``len(fanouts)`` hops of in-neighbours around seed nodes.

    Args:
        edges: Edge type -> ``[2, E]`` global source and target indices (messages flow source to
            target, so a target samples its sources).
        num_nodes: Node type -> count.
        fanouts: Most neighbours per node, edge type and hop.

    """

    def __init__(self, edges: dict[EdgeType, Tensor], num_nodes: dict[str, int], fanouts: list[int]) -> None:
        self.num_nodes = dict(num_nodes)
        self.fanouts = list(fanouts)
        self.in_edges = {
            edge_type: InEdges(index, num_nodes[edge_type[2]]) for edge_type, index in edges.items()
        }

    def sample(
        self,
        seeds: dict[str, Tensor],
        generator: torch.Generator,
        exclude: dict[EdgeType, Tensor] | None = None,
    ) -> Subgraph:
        """The subgraph around ``seeds``.

        Args:
            seeds: Node type -> ``[s]`` distinct global indices.
            generator: Source of the draws.
            exclude: Edge type -> ``[E]`` bool, True for edges no message may pass along (links
                hidden from the seeds).

        Returns:
            Nodes (seeds first) and every sampled edge between them.

        """
        exclude = exclude or {}
        local = {t: torch.full((n,), -1, dtype=torch.int64) for t, n in self.num_nodes.items()}
        nodes = {t: [] for t in self.num_nodes}
        counts = dict.fromkeys(self.num_nodes, 0)

        def add(node_type: str, candidates: Tensor) -> Tensor:
            candidates = torch.unique(candidates)
            new = candidates[local[node_type][candidates] < 0]
            local[node_type][new] = torch.arange(counts[node_type], counts[node_type] + new.shape[0])
            counts[node_type] += new.shape[0]
            nodes[node_type].append(new)
            return new

        frontier = {}
        for node_type, index in seeds.items():
            local[node_type][index] = torch.arange(index.shape[0])
            counts[node_type] = index.shape[0]
            nodes[node_type].append(index)
            frontier[node_type] = index
        sampled: dict[EdgeType, list[Tensor]] = {edge_type: [] for edge_type in self.in_edges}
        for fanout in self.fanouts:
            reached: dict[str, list[Tensor]] = {}
            for edge_type, in_edges in self.in_edges.items():
                source_type, _, target_type = edge_type
                if target_type not in frontier or frontier[target_type].numel() == 0:
                    continue
                rows, targets = in_edges.sample(frontier[target_type], fanout, generator)
                if edge_type in exclude:
                    keep = ~exclude[edge_type][in_edges.edge_ids[rows]]
                    rows, targets = rows[keep], targets[keep]
                sources = in_edges.sources[rows]
                sampled[edge_type].append(torch.stack([sources, targets]))
                reached.setdefault(source_type, []).append(sources)
            frontier = {node_type: add(node_type, torch.cat(found)) for node_type, found in reached.items()}
        out_nodes = {t: torch.cat(parts) for t, parts in nodes.items() if parts}
        out_edges = {}
        for edge_type, parts in sampled.items():
            if not parts:
                continue
            pairs = torch.unique(torch.cat(parts, 1), dim=1)
            source_type, _, target_type = edge_type
            out_edges[edge_type] = torch.stack([local[source_type][pairs[0]], local[target_type][pairs[1]]])
        return Subgraph(out_nodes, out_edges)

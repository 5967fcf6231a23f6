"""A trained GNN as a directory: weights, the graph shape it was built for, its settings and metrics."""

from dataclasses import asdict
from pathlib import Path
from typing import Any

from taggraph.encoders.artifacts import ModelFolder, prefixed
from taggraph.encoders.gnn.network import HeteroSAGE, PairScorer
from taggraph.encoders.gnn.training import GNNConfig, GraphTensors, TrainedLinkModel
from taggraph.errors import ModelArtifactError

FOLDER = ModelFolder("gnn", "gnn.json", rebuild="`taggraph gnn train`", name="GNN model")


class GraphModel:
    """A link model with the shape of the graph it runs on.

    Args:
        trained: Encoder and scorer.
        config: The training settings.
        shape: ``in_dims``, ``num_nodes``, ``edge_types`` and ``target`` of the graph.
        meta: Anything the job records (labels, fusion, source, metrics...).

    """

    def __init__(
        self, trained: TrainedLinkModel, config: GNNConfig, shape: dict[str, Any], meta: dict[str, Any]
    ) -> None:
        self.trained = trained
        self.config = config
        self.shape = shape
        self.meta = meta

    def __repr__(self) -> str:
        return f"GraphModel({self.trained.encoder!r}, target={self.shape['target']})"

    @staticmethod
    def shape_of(graph: GraphTensors) -> dict[str, Any]:
        """What a graph must match for a saved model to run on it."""
        return {
            "in_dims": graph.in_dims,
            "num_nodes": {t: n for t, n in graph.num_nodes.items() if graph.in_dims[t] is None},
            "edge_types": [list(edge_type) for edge_type in graph.edge_types()],
            "target": list(graph.target),
        }

    def check(self, graph: GraphTensors) -> None:
        """Refuse a graph of another shape (other node types, widths, or user counts).

        Raises:
            ModelArtifactError: Naming what differs and the command that retrains.

        """
        current = self.shape_of(graph)
        for key in ("in_dims", "num_nodes", "edge_types", "target"):
            if current[key] != self.shape[key]:
                raise ModelArtifactError(
                    f"the graph changed since the GNN was trained ({key} differs); retrain it with "
                    "`taggraph gnn train`"
                )

    def save(self, path: Path) -> Path:
        """Write the weights and ``gnn.json`` to ``path`` (all or nothing)."""
        tensors = {f"encoder.{k}": v for k, v in self.trained.encoder.state_dict().items()}
        tensors |= {f"scorer.{k}": v for k, v in self.trained.scorer.state_dict().items()}
        record = {
            "config": asdict(self.config),
            "shape": self.shape,
            "meta": self.meta,
            "history": self.trained.history,
        }
        return FOLDER.save(path, tensors, lambda folder, checksum: record)

    @classmethod
    def load(cls, path: Path) -> "GraphModel":
        """Read a directory written by :meth:`save`.

        Raises:
            ModelArtifactError: If it is missing, incomplete, of another format or corrupt.

        """
        record, tensors = FOLDER.open(path)
        try:
            config = GNNConfig(**record["config"])
            shape = record["shape"]
            edge_types = [tuple(edge_type) for edge_type in shape["edge_types"]]
            num_nodes = {t: shape["num_nodes"].get(t, 1) for t in shape["in_dims"]}
            target_count = int(tensors["scorer.classify.bias"].shape[0])
        except (KeyError, TypeError, AttributeError) as error:
            raise ModelArtifactError(f"{path}/gnn.json is unreadable: {error}") from error
        encoder = HeteroSAGE(
            shape["in_dims"], num_nodes, edge_types, config.hidden, config.layers, config.dropout
        )
        scorer = PairScorer(config.hidden, target_count)
        try:
            encoder.load_state_dict(prefixed(tensors, "encoder"))
            scorer.load_state_dict(prefixed(tensors, "scorer"))
        except RuntimeError as error:
            raise ModelArtifactError(f"{path}: the weights do not fit the recorded shape: {error}") from error
        encoder.eval()
        trained = TrainedLinkModel(encoder, scorer, record.get("history", []))
        return cls(trained, config, shape, record.get("meta", {}))

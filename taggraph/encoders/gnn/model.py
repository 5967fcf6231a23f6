"""A trained GNN as a directory: weights, the graph shape it was built for, its settings and metrics."""

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from taggraph.encoders.artifacts import require_files, require_weights, sha256_of, write_directory
from taggraph.encoders.gnn.network import HeteroSAGE, LinkScorer
from taggraph.encoders.gnn.training import GNNConfig, GraphTensors, TrainedLinkModel
from taggraph.errors import ModelArtifactError

FILES = ("model.safetensors", "gnn.json")


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
        """Write ``model.safetensors`` and ``gnn.json`` to ``path`` (all or nothing)."""

        def write(folder: Path) -> None:
            tensors = {f"encoder.{k}": v.contiguous() for k, v in self.trained.encoder.state_dict().items()}
            tensors |= {f"scorer.{k}": v.contiguous() for k, v in self.trained.scorer.state_dict().items()}
            save_file(tensors, str(folder / "model.safetensors"))
            record = {
                "config": asdict(self.config),
                "shape": self.shape,
                "meta": self.meta,
                "history": self.trained.history,
                "weights_sha256": sha256_of(folder / "model.safetensors"),
            }
            (folder / "gnn.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")

        return write_directory(path, write, "GNN model")

    @classmethod
    def load(cls, path: Path) -> "GraphModel":
        """Read a directory written by :meth:`save`.

        Raises:
            ModelArtifactError: If it is missing, incomplete or corrupt.

        """
        require_files(path, FILES, "GNN model", "train one with `taggraph gnn train`")
        try:
            record = json.loads((path / "gnn.json").read_text(encoding="utf-8"))
            config = GNNConfig(**record["config"])
            shape = record["shape"]
        except (ValueError, OSError, KeyError, TypeError) as error:
            raise ModelArtifactError(f"{path}/gnn.json is unreadable: {error}") from error
        require_weights(path, record.get("weights_sha256"))
        edge_types = [tuple(edge_type) for edge_type in shape["edge_types"]]
        num_nodes = {t: shape["num_nodes"].get(t, 1) for t in shape["in_dims"]}
        encoder = HeteroSAGE(
            shape["in_dims"], num_nodes, edge_types, config.hidden, config.layers, config.dropout
        )
        tensors = load_file(str(path / "model.safetensors"))
        target_count = int(tensors["scorer.classify.bias"].shape[0])
        scorer = LinkScorer(config.hidden, target_count)
        try:
            encoder.load_state_dict(
                {k[len("encoder.") :]: v for k, v in tensors.items() if k.startswith("encoder.")}
            )
            scorer.load_state_dict(
                {k[len("scorer.") :]: v for k, v in tensors.items() if k.startswith("scorer.")}
            )
        except RuntimeError as error:
            raise ModelArtifactError(f"{path}: the weights do not fit the recorded shape: {error}") from error
        encoder.eval()
        trained = TrainedLinkModel(encoder, scorer, record.get("history", []))
        return cls(trained, config, shape, record.get("meta", {}))

"""A trained next-item model fixed for serving: item vectors after propagation and the query head."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from taggraph.encoders.artifacts import require_files, require_weights, sha256_of, write_directory
from taggraph.encoders.gnn.next_item import PADDING, InteractionGraph, NextItemConfig, NextItemGNN
from taggraph.errors import ModelArtifactError

FILES = ("model.safetensors", "recommender.json")


class NextItemRanker:
    """Ranks every item for a user's latest items.

    Args:
        model: The trained model.
        items: ``[num_items, hidden]`` item vectors, propagated once over the graph it serves.
        config: The training settings (widths, layers, how many latest items a query reads).
        meta: What the job records (item ids, metrics, run id...).

    """

    def __init__(self, model: NextItemGNN, items: torch.Tensor, config: NextItemConfig, meta: dict[str, Any]):
        self.model = model.eval()
        self.items = items
        self.config = config
        self.meta = meta

    def __repr__(self) -> str:
        return f"NextItemRanker({self.model!r})"

    @classmethod
    def from_model(
        cls, model: NextItemGNN, graph: InteractionGraph, config: NextItemConfig, meta: dict[str, Any]
    ) -> "NextItemRanker":
        """Fix ``model``'s item vectors by one propagation over ``graph`` (every interaction it has)."""
        with torch.no_grad():
            items = model.eval().items(*graph.edge_index())
        return cls(model, items, config, meta)

    @torch.no_grad()
    def scores(self, latest: list[list[int]]) -> np.ndarray:
        """``[len(latest), num_items]`` next-item probabilities, from item indices newest first."""
        recent = self.config.recent
        rows = torch.full((len(latest), recent), PADDING, dtype=torch.int64)
        for row, items in enumerate(latest):
            head = items[:recent]
            rows[row, : len(head)] = torch.tensor(head, dtype=torch.int64)
        logits = self.model.scores(self.model.query(self.items, rows), self.items)
        return torch.softmax(logits, dim=1).numpy()

    def save(self, path: Path) -> Path:
        """Write ``model.safetensors`` and ``recommender.json`` to ``path`` (all or nothing)."""

        def write(folder: Path) -> None:
            tensors = {f"model.{k}": v.contiguous() for k, v in self.model.state_dict().items()}
            save_file({**tensors, "items": self.items.contiguous()}, str(folder / "model.safetensors"))
            record = {
                "config": vars(self.config),
                "nodes": {
                    "users": self.model.num_users,
                    "items": self.model.num_items,
                    "tags": self.model.num_tags,
                },
                "meta": self.meta,
                "weights_sha256": sha256_of(folder / "model.safetensors"),
            }
            (folder / "recommender.json").write_text(json.dumps(record, indent=1), encoding="utf-8")

        return write_directory(path, write, "recommender")

    @classmethod
    def load(cls, path: Path) -> "NextItemRanker":
        """Read a directory written by :meth:`save`.

        Raises:
            ModelArtifactError: If it is missing, incomplete or corrupt.

        """
        require_files(path, FILES, "recommender", "train one with `taggraph gnn recommender`")
        try:
            record = json.loads((path / "recommender.json").read_text(encoding="utf-8"))
            config = NextItemConfig(**record["config"])
            nodes = record["nodes"]
        except (ValueError, OSError, KeyError, TypeError) as error:
            raise ModelArtifactError(f"{path}/recommender.json is unreadable: {error}") from error
        require_weights(path, record.get("weights_sha256"))
        model = NextItemGNN(
            nodes["users"], nodes["items"], nodes["tags"], config.hidden, config.layers, config.recent
        )
        try:
            tensors = load_file(str(path / "model.safetensors"))
            model.load_state_dict(
                {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
            )
            items = tensors["items"]
        except (SafetensorError, RuntimeError, KeyError) as error:
            raise ModelArtifactError(f"{path}: the weights do not fit the recorded shape: {error}") from error
        return cls(model, items, config, record.get("meta", {}))

"""A trained next-item model fixed for serving: item vectors after propagation and the query head."""

from pathlib import Path
from typing import Any

import numpy as np
import torch

from taggraph.encoders.artifacts import ModelFolder, prefixed
from taggraph.encoders.gnn.next_item import PADDING, InteractionGraph, NextItemConfig, NextItemGNN
from taggraph.errors import ModelArtifactError

FOLDER = ModelFolder("recommender", "recommender.json", rebuild="`taggraph gnn recommender`")


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
        """Write the weights, the item vectors and ``recommender.json`` to ``path`` (all or nothing)."""
        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        record = {
            "config": vars(self.config),
            "nodes": {
                "users": self.model.num_users,
                "items": self.model.num_items,
                "tags": self.model.num_tags,
            },
            "meta": self.meta,
        }
        return FOLDER.save(path, {**tensors, "items": self.items}, lambda folder, checksum: record)

    @classmethod
    def load(cls, path: Path) -> "NextItemRanker":
        """Read a directory written by :meth:`save`.

        Raises:
            ModelArtifactError: If it is missing, incomplete, of another format or corrupt.

        """
        record, tensors = FOLDER.open(path)
        try:
            config = NextItemConfig(**record["config"])
            nodes = record["nodes"]
            model = NextItemGNN(
                nodes["users"], nodes["items"], nodes["tags"], config.hidden, config.layers, config.recent
            )
            model.load_state_dict(prefixed(tensors, "model"))
            items = tensors["items"]
        except (KeyError, TypeError, RuntimeError) as error:
            raise ModelArtifactError(f"{path}: the record or weights do not fit: {error}") from error
        return cls(model, items, config, record.get("meta", {}))

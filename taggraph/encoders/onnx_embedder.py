"""The sentence encoder run by ONNX Runtime: the same vectors as :class:`TextEmbedder`, within 1e-4."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.onnx_export import cached_export, export_module, session

INPUTS = ("input_ids", "attention_mask")
PROBES = (
    "Navy blue slim fit cotton shirt",
    "x",
    "RX-V663BK 7.1 AV receiver, black " * 40,
    "Kurta für Damen, 100% Baumwolle — rot",
)
"""Texts the export is checked on: short, one character, longer than the encoder reads, not ASCII."""


class _SentenceEmbedding(torch.nn.Module):
    """The sentence-transformers pipeline (encoder, pooling and any later module), L2-normalised."""

    def __init__(self, embedder: TextEmbedder) -> None:
        super().__init__()
        self.model = embedder.model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        features = self.model({"input_ids": input_ids, "attention_mask": attention_mask})
        return torch.nn.functional.normalize(features["sentence_embedding"], dim=-1)


class OnnxEmbedder:
    """A :class:`TextEmbedder`'s model in an ONNX Runtime session; its id is the weights' id.

    Args:
        embedder: The PyTorch embedder (its tokenizer and settings are used).
        model: Its export (:func:`export_embedder`).
        threads: Intra-op threads of the session.
    """

    def __init__(self, embedder: TextEmbedder, model: Path, threads: int = 1) -> None:
        self.embedder = embedder
        self.session = session(model, threads)

    def __repr__(self) -> str:
        return f"OnnxEmbedder(path={self.embedder.path!r}, dimension={self.dimension})"

    @property
    def model_id(self) -> str:
        """The PyTorch embedder's id: the vectors are the same."""
        return self.embedder.model_id

    @property
    def dimension(self) -> int:
        """Width of the embeddings."""
        return self.embedder.dimension

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """``[len(texts), dimension]`` float32 unit vectors; texts are batched by length."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda row: len(texts[row]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            tokens = self.embedder.model.preprocess([texts[row] for row in rows])
            feed = {name: tokens[name].numpy().astype(np.int64) for name in INPUTS}
            out[rows] = self.session.run(None, feed)[0]
        return out


def export_embedder(embedder: TextEmbedder, path: Path) -> Path:
    """Write the embedder's model, pooling and normalisation as one ONNX graph at ``path``."""
    tokens = embedder.model.preprocess(["an example product title"])
    return export_module(_SentenceEmbedding(embedder), [tokens[name] for name in INPUTS], INPUTS, path)


def onnx_embedder(embedder: TextEmbedder, cache_dir: Path, threads: int = 1) -> OnnxEmbedder:
    """The embedder in ONNX Runtime, exported once into ``cache_dir`` and checked against its weights.

    Raises:
        ModelArtifactError: If the export cannot be written or does not give the same vectors.
    """
    reference = embedder.embed(PROBES)

    def difference(model: Path) -> float:
        return float(np.abs(OnnxEmbedder(embedder, model).embed(PROBES) - reference).max())

    key = "embedder-" + embedder.model_id.replace(":", "-")
    model = cached_export(cache_dir, key, lambda path: export_embedder(embedder, path), difference)
    return OnnxEmbedder(embedder, model, threads)

"""Sentence embeddings from the pretrained encoder (offline), L2-normalised."""

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from taggraph.encoders.artifacts import sha256_of
from taggraph.encoders.pretrained import resolve_encoder


class TextEmbedder:
    """Embeds texts with a sentence-transformers model loaded from a local directory.

    Args:
        name_or_path: Encoder setting (see :func:`resolve_encoder`); the packaged MiniLM by default.
        device: ``cpu`` or ``cuda``; chosen automatically when None.
    """

    def __init__(self, name_or_path: str | None = None, device: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self.path = resolve_encoder(name_or_path)
        self.model = SentenceTransformer(self.path, device=device)

    def __repr__(self) -> str:
        return f"TextEmbedder(path={self.path!r}, dimension={self.dimension})"

    @functools.cached_property
    def model_id(self) -> str:
        """The folder name and a hash of the weights: the same model gives the same id anywhere."""
        folder = Path(self.path)
        weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
        name = folder.parent.name if folder.name == "model" else folder.name
        return f"{name}:{sha256_of(*weights)[:12]}"

    @property
    def dimension(self) -> int:
        """Width of the embeddings."""
        return int(self.model.get_embedding_dimension() or 0)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """``[len(texts), dimension]`` float32 unit vectors."""
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

"""A trained tagger: network, tokenizer, label space and per-label thresholds; save and load."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from taggraph.encoders.artifacts import ModelFolder
from taggraph.encoders.precision import bf16_autocast, use_bf16
from taggraph.encoders.tagger.batching import length_sorted_batches
from taggraph.encoders.tagger.decoding import decode
from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.encoders.tagger.network import TaggerNetwork
from taggraph.encoders.tagger.objective import kind_groups, kind_probabilities, output_width
from taggraph.errors import ModelArtifactError

FOLDER = ModelFolder(
    "tagger", "tagger.json", ("config.json", "labels.json", "thresholds.json"), "`taggraph tagger train`"
)


class Tagger:
    """Scores product texts against a label space and decodes one tag per kind.

    Args:
        network: The fine-tuned network.
        tokenizer: Its tokenizer.
        space: Labels, in head-column order.
        thresholds: ``[L]`` per-label thresholds.
        max_length: Longest tokenised input.
        meta: Provenance (encoder, data hash, vocabulary version, run id, ...).

    """

    def __init__(
        self,
        network: TaggerNetwork,
        tokenizer: PreTrainedTokenizerBase,
        space: LabelSpace,
        thresholds: np.ndarray,
        max_length: int = 64,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if len(thresholds) != len(space):
            raise ModelArtifactError(f"{len(thresholds)} thresholds for {len(space)} labels")
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.space = space
        self.thresholds = np.asarray(thresholds, dtype=np.float32)
        self.max_length = max_length
        self.meta = dict(meta or {})
        self.autocast_bf16 = False

    def __repr__(self) -> str:
        return f"Tagger(labels={len(self.space)}, kinds={self.space.kinds}, max_length={self.max_length})"

    def set_precision(self, precision: str) -> None:
        """Run inference at ``precision`` (``auto``, ``fp32`` or ``bf16``; see :func:`use_bf16`)."""
        self.autocast_bf16 = use_bf16(precision, next(self.network.parameters()).device)

    @torch.inference_mode()
    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Label probabilities of each text, a softmax within each kind.

        Texts are batched by length, so padding stays small. Within a kind the labels' sum is
        below 1 by what the kind's unlisted output takes.

        Args:
            texts: Product texts.
            batch_size: Texts per forward pass.

        Returns:
            ``[len(texts), L]`` probabilities, in input order.

        """
        out = np.zeros((len(texts), len(self.space)), dtype=np.float32)
        device = next(self.network.parameters()).device
        groups = kind_groups(self.space, device)
        labels = len(self.space)
        autocast = bf16_autocast(device, self.autocast_bf16)
        batches = length_sorted_batches(self.tokenizer, texts, batch_size, self.max_length, device)
        for index, batch in batches:
            with autocast:
                logits = self.logits(batch["input_ids"], batch["attention_mask"])
            out[index] = kind_probabilities(logits.float(), groups)[:, :labels].cpu().numpy()
        return out

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Label logits of a tokenised batch.

        Args:
            input_ids: ``[batch, seq]`` token ids.
            attention_mask: ``[batch, seq]`` attention mask.

        Returns:
            ``[batch, L + K]`` logits: the labels', then each kind's unlisted one.
        """
        return self.network(input_ids, attention_mask)

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """``[n, L]`` 0/1 tags from probabilities: the best label per kind above its threshold."""
        return decode(scores, self.thresholds, self.space)

    def predict(self, texts: Sequence[str], batch_size: int = 64) -> list[list[tuple[str, float]]]:
        """The tags of each text with their probabilities.

        Args:
            texts: Product texts.
            batch_size: Texts per forward pass.

        Returns:
            Per text, ``(label, probability)`` pairs, one per kind at most.

        """
        scores = self.predict_proba(texts, batch_size)
        decisions = self.decide(scores)
        return [
            [(self.space.labels[j], float(scores[i, j])) for j in np.flatnonzero(decisions[i])]
            for i in range(len(texts))
        ]

    def save(self, path: Path, metrics: dict[str, Any] | None = None) -> Path:
        """Write the model directory: config, weights, tokenizer, labels, thresholds, metadata.

        The files are written to a sibling folder first and moved into place at the end, so
        a failed save leaves any earlier model at ``path`` as it was and no partial one.

        Args:
            path: Directory to create or replace.
            metrics: Evaluation figures to keep in ``metrics.json``.

        Returns:
            ``path``.

        Raises:
            ModelArtifactError: If the directory cannot be written.

        """
        return FOLDER.save(
            path, self.network.state_dict(), lambda folder, sha: self._write(folder, sha, metrics)
        )

    def _write(self, path: Path, weights_sha256: str, metrics: dict[str, Any] | None) -> dict[str, Any]:
        """Write the encoder config, tokenizer, labels, thresholds and metrics; return the record."""
        self.network.encoder.config.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        (path / "labels.json").write_text(json.dumps(list(self.space.labels), indent=1), encoding="utf-8")
        (path / "thresholds.json").write_text(json.dumps(self.thresholds.tolist()), encoding="utf-8")
        if metrics is not None:
            (path / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        self.meta["weights_sha256"] = weights_sha256
        return {
            "max_length": self.max_length,
            "vocabulary_version": self.space.version,
            "lexical_pieces": None if self.network.lexical is None else self.network.lexical.pieces,
            **self.meta,
        }

    @classmethod
    def load(cls, path: Path, expected_labels: Sequence[str] | None = None) -> "Tagger":
        """Read a model directory written by :meth:`save`.

        Args:
            path: The directory.
            expected_labels: The graph's current labels; loading fails if they differ.

        Returns:
            The tagger, in eval mode on the CPU.

        Raises:
            ModelArtifactError: If the directory is missing, incomplete, corrupt, or was made for
                other labels than ``expected_labels``.

        """
        settings, tensors = FOLDER.open(path)
        try:
            labels = json.loads((path / "labels.json").read_text(encoding="utf-8"))
            thresholds = np.asarray(json.loads((path / "thresholds.json").read_text(encoding="utf-8")))
        except (ValueError, OSError) as error:
            raise ModelArtifactError(f"{path} has an unreadable metadata file: {error}") from error
        space = LabelSpace(tuple(labels))
        if settings.get("vocabulary_version") != space.version:
            raise ModelArtifactError(f"{path}: labels.json does not match the recorded vocabulary version")
        if expected_labels is not None and tuple(sorted(expected_labels)) != space.labels:
            expected = set(expected_labels)
            added, dropped = expected - set(space.labels), set(space.labels) - expected
            raise ModelArtifactError(
                f"the model at {path} was trained on another tag vocabulary "
                f"({len(added)} tags new in the graph, {len(dropped)} gone); retrain it with "
                "`taggraph tagger train`"
            )
        try:
            config = TaggerNetwork.encoder_config(str(path))
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            network = TaggerNetwork.from_config(
                config, output_width(space), settings.get("lexical_pieces"), len(tokenizer)
            )
            network.load_state_dict(tensors)
        except (RuntimeError, OSError, TypeError, ValueError) as error:
            raise ModelArtifactError(
                f"cannot load the tagger at {path} (a model from an earlier taggraph needs "
                f"`taggraph tagger train` again): {error}"
            ) from error
        meta = {key: value for key, value in settings.items() if key not in ("max_length", "lexical_pieces")}
        return cls(network, tokenizer, space, thresholds, int(settings["max_length"]), meta)

"""Open-vocabulary attribute extraction: BIO over attribute names, one tag set per attribute.

The text is given to the encoder as a pair, ``(category, text)``; every token of the text gets,
for every attribute, one of ``O``, ``B`` (a value starts here) or ``I`` (a value goes on). A
token may so belong to values of two attributes at once (a brand that is also the name).
Decoding takes, per attribute, the token most likely to start a value, extends it over the
tokens most likely inside it, and answers ``n/a`` when the start's probability is under the
threshold calibrated on validation data.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, BatchEncoding, PreTrainedTokenizerBase

from taggraph.encoders.artifacts import ModelFolder
from taggraph.encoders.extractor.attributes import Extraction
from taggraph.encoders.precision import bf16_autocast, use_bf16
from taggraph.errors import ModelArtifactError

OUTSIDE, BEGIN, INSIDE = 0, 1, 2
FOLDER = ModelFolder(
    "extractor", "extractor.json", ("config.json", "attributes.json"), "`taggraph extractor train`"
)


class ExtractorNetwork(nn.Module):
    """Encoder + dropout + a linear head giving ``O/B/I`` logits per token and attribute.

    Args:
        encoder: A transformers encoder (BERT-like).
        num_attributes: Attributes of the head.
        dropout: Dropout before the head.

    """

    def __init__(self, encoder: nn.Module, num_attributes: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.num_attributes = num_attributes
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(int(encoder.config.hidden_size), num_attributes * 3)
        self.reset_parameters()

    @classmethod
    def from_pretrained(cls, path: str, num_attributes: int, dropout: float = 0.1) -> "ExtractorNetwork":
        """Start from the pretrained encoder at ``path`` (a local directory)."""
        return cls(AutoModel.from_pretrained(path), num_attributes, dropout)

    @classmethod
    def from_directory(cls, path: Path, num_attributes: int) -> "ExtractorNetwork":
        """An untrained network of the encoder configuration saved at ``path``."""
        return cls(AutoModel.from_config(AutoConfig.from_pretrained(str(path))), num_attributes)

    def reset_parameters(self) -> None:
        """Re-initialise the head (the encoder keeps its weights)."""
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """BIO logits.

        Args:
            input_ids: ``[batch, seq]`` token ids.
            attention_mask: ``[batch, seq]`` 1 for tokens, 0 for padding.
            token_type_ids: ``[batch, seq]`` segment ids (category 0, text 1), when the encoder has them.

        Returns:
            ``[batch, seq, attributes, 3]`` logits of ``O``, ``B``, ``I``.

        """
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        states = self.encoder(**inputs).last_hidden_state
        logits = self.head(self.dropout(states))
        return logits.view(*logits.shape[:2], self.num_attributes, 3)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(encoder={type(self.encoder).__name__}, "
            f"hidden={self.head.in_features}, attributes={self.num_attributes})"
        )


def encode_pairs(
    tokenizer: PreTrainedTokenizerBase, categories: Sequence[str], texts: Sequence[str], max_length: int
) -> BatchEncoding:
    """Tokenise ``(category, text)`` pairs, truncating the text only, with character offsets."""
    return tokenizer(
        list(categories),
        list(texts),
        padding=True,
        truncation="only_second",
        max_length=max_length,
        return_offsets_mapping=True,
        return_tensors="pt",
    )


def text_token_mask(encoding: BatchEncoding) -> np.ndarray:
    """``[batch, seq]`` True at tokens of the text (the pair's second sequence)."""
    rows = []
    for row in range(len(encoding["input_ids"])):
        rows.append([sequence == 1 for sequence in encoding.sequence_ids(row)])
    return np.asarray(rows, dtype=bool)


def decode_span(
    probabilities: np.ndarray, offsets: np.ndarray, in_text: np.ndarray, threshold: float
) -> tuple[int, int, float]:
    """The best value span of one attribute in one text.

    Args:
        probabilities: ``[seq, 3]`` ``O/B/I`` probabilities of the attribute.
        offsets: ``[seq, 2]`` character offsets of the tokens in the text.
        in_text: ``[seq]`` whether a token belongs to the text.
        threshold: Least start probability for a value.

    Returns:
        ``(start char, end char, score)``; ``(-1, -1, score)`` when the answer is ``n/a``.

    """
    starts = np.where(in_text, probabilities[:, BEGIN], -1.0)
    first = int(starts.argmax())
    score = float(starts[first])
    if score < threshold:
        return -1, -1, max(score, 0.0)
    last = first
    while last + 1 < len(in_text) and in_text[last + 1] and probabilities[last + 1].argmax() == INSIDE:
        last += 1
    return int(offsets[first, 0]), int(offsets[last, 1]), score


class SpanExtractor:
    """Extracts attribute values from product texts.

    Args:
        network: The fine-tuned network.
        tokenizer: Its (fast) tokenizer.
        attributes: Attribute names, in head order.
        category_attributes: Category -> attributes its training examples asked for.
        threshold: Least start probability for a value (else ``n/a``).
        max_length: Longest tokenised pair.
        meta: Provenance (encoder, training settings, data hash, run id, ...).

    """

    def __init__(
        self,
        network: ExtractorNetwork,
        tokenizer: PreTrainedTokenizerBase,
        attributes: Sequence[str],
        category_attributes: dict[str, list[str]],
        threshold: float = 0.5,
        max_length: int = 96,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if network.num_attributes != len(attributes):
            raise ModelArtifactError(
                f"the network has {network.num_attributes} attributes, not {len(attributes)}"
            )
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.attributes = tuple(attributes)
        self.column = {name: i for i, name in enumerate(self.attributes)}
        self.category_attributes = category_attributes
        self.threshold = threshold
        self.max_length = max_length
        self.meta = dict(meta or {})
        self.autocast_bf16 = False

    def set_precision(self, precision: str) -> None:
        """Run inference at ``precision`` (``auto``, ``fp32`` or ``bf16``; see :func:`use_bf16`)."""
        self.autocast_bf16 = use_bf16(precision, next(self.network.parameters()).device)

    def __repr__(self) -> str:
        return (
            f"SpanExtractor(attributes={len(self.attributes)}, categories={len(self.category_attributes)}, "
            f"threshold={self.threshold:.2f})"
        )

    def attributes_for(self, category: str) -> list[str]:
        """The attributes asked for by default: those of the category, or every attribute."""
        return list(self.category_attributes.get(category, self.attributes))

    @torch.inference_mode()
    def probabilities(
        self, texts: Sequence[str], categories: Sequence[str]
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """Per text: ``[seq, attributes, 3]`` probabilities, ``[seq, 2]`` offsets, ``[seq]`` text mask.

        Raises:
            ValueError: If ``texts`` and ``categories`` differ in length.

        """
        if len(texts) != len(categories):
            raise ValueError(f"{len(texts)} texts but {len(categories)} categories")
        device = next(self.network.parameters()).device
        out: list[Any] = [None] * len(texts)
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), 64):
            index = order[start : start + 64]
            encoding = encode_pairs(
                self.tokenizer, [categories[i] for i in index], [texts[i] for i in index], self.max_length
            )
            mask = text_token_mask(encoding)
            offsets = encoding.pop("offset_mapping").numpy()
            bf16 = bf16_autocast(device, self.autocast_bf16)
            with bf16:
                logits = self.network(**{key: value.to(device) for key, value in encoding.items()})
            probabilities = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            lengths = encoding["attention_mask"].sum(1).tolist()
            for row, i in enumerate(index):
                length = int(lengths[row])
                out[i] = (probabilities[row, :length], offsets[row, :length], mask[row, :length])
        return [item[0] for item in out], [item[1] for item in out], [item[2] for item in out]

    def extract(
        self,
        texts: Sequence[str],
        categories: Sequence[str],
        attributes: Sequence[Sequence[str]] | None = None,
        threshold: float | None = None,
    ) -> list[dict[str, Extraction]]:
        """The value (or ``n/a``) of each asked attribute in each text.

        Args:
            texts: Product texts.
            categories: Their categories.
            attributes: Attributes to extract per text; those of its category when None. An
                attribute the model does not know is answered ``n/a`` with score 0.
            threshold: Overrides the calibrated threshold.

        Returns:
            Per text, attribute -> extraction.

        """
        threshold = self.threshold if threshold is None else threshold
        asked = list(attributes) if attributes is not None else [self.attributes_for(c) for c in categories]
        if len(asked) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(asked)} attribute lists")
        probabilities, offsets, masks = self.probabilities(texts, categories)
        results = []
        for text, names, probs, offset, mask in zip(texts, asked, probabilities, offsets, masks, strict=True):
            found = {}
            for name in names:
                column = self.column.get(name)
                if column is None:
                    found[name] = Extraction(None, 0.0)
                    continue
                start, end, score = decode_span(probs[:, column], offset, mask, threshold)
                found[name] = (
                    Extraction(text[start:end].strip() or None, score, start, end)
                    if start >= 0
                    else (Extraction(None, score))
                )
            results.append(found)
        return results

    def save(self, path: Path, metrics: dict[str, Any] | None = None) -> Path:
        """Write the model directory (config, weights, tokenizer, attributes, settings, metrics).

        Raises:
            ModelArtifactError: If it cannot be written; an earlier model at ``path`` is kept.

        """
        return FOLDER.save(
            path, self.network.state_dict(), lambda folder, sha: self._write(folder, sha, metrics)
        )

    def _write(self, path: Path, weights_sha256: str, metrics: dict[str, Any] | None) -> dict[str, Any]:
        """Write the encoder config, tokenizer, attributes and metrics; return the record."""
        self.network.encoder.config.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        (path / "attributes.json").write_text(json.dumps(list(self.attributes), indent=1), encoding="utf-8")
        if metrics is not None:
            (path / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        self.meta["weights_sha256"] = weights_sha256
        return {
            **self.meta,
            "max_length": self.max_length,
            "threshold": self.threshold,
            "category_attributes": self.category_attributes,
        }

    @classmethod
    def load(cls, path: Path) -> "SpanExtractor":
        """Read a directory written by :meth:`save`.

        Raises:
            ModelArtifactError: If it is missing, incomplete or corrupt.

        """
        settings, tensors = FOLDER.open(path)
        try:
            attributes = json.loads((path / "attributes.json").read_text(encoding="utf-8"))
            threshold, max_length = float(settings["threshold"]), int(settings["max_length"])
            category_attributes = dict(settings["category_attributes"])
        except (ValueError, OSError, KeyError, TypeError) as error:
            raise ModelArtifactError(f"{path} has an unreadable settings file: {error}") from error
        try:
            network = ExtractorNetwork.from_directory(path, len(attributes))
            network.load_state_dict(tensors)
            tokenizer = AutoTokenizer.from_pretrained(str(path))
        except (RuntimeError, OSError, ValueError) as error:
            raise ModelArtifactError(f"cannot load the extractor at {path}: {error}") from error
        meta = {key: value for key, value in settings.items() if key not in ("threshold", "max_length")}
        meta.pop("category_attributes")
        return cls(network, tokenizer, attributes, category_attributes, threshold, max_length, meta)

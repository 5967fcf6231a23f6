"""Texts tokenised in batches of similar length, so padding stays small."""

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from transformers import BatchEncoding, PreTrainedTokenizerBase


def length_sorted_batches(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    batch_size: int,
    max_length: int,
    device: torch.device,
) -> Iterator[tuple[np.ndarray, BatchEncoding]]:
    """Yield each batch's positions in ``texts`` and its padded, truncated encoding on ``device``."""
    order = np.argsort([len(text) for text in texts], kind="stable")
    for start in range(0, len(texts), batch_size):
        index = order[start : start + batch_size]
        encoded = tokenizer(
            [texts[i] for i in index],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        ).to(device)
        yield index, encoded

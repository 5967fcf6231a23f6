"""Texts tokenised in batches of similar length, so padding stays small."""

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from transformers import BatchEncoding, PreTrainedTokenizerBase

TOKENS_PER_TEXT = 32
"""Padded tokens a batch may hold per text of ``batch_size`` before it is cut short."""

POOL_BATCHES = 50
"""Training batches drawn from one pool of shuffled texts that is sorted by length."""


def length_sorted_batches(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    batch_size: int,
    max_length: int,
    device: torch.device,
) -> Iterator[tuple[np.ndarray, BatchEncoding]]:
    """Yield each batch's positions in ``texts`` and its padded, truncated encoding on ``device``.

    Texts are tokenised once and sorted by token count. A batch takes up to ``batch_size`` texts,
    fewer when they are long: its padded size (texts times the longest) stays within
    ``batch_size * TOKENS_PER_TEXT`` tokens, or one text. So a few long texts among many short ones
    form a small batch of their own rather than padding a full one to their length, and the
    batches cost about the same whatever the lengths.
    """
    if not texts:
        return
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    lengths = np.array([len(ids) for ids in encoded["input_ids"]])
    order = np.argsort(lengths, kind="stable")
    for start, stop in _cuts(lengths[order], batch_size, batch_size * TOKENS_PER_TEXT):
        index = order[start:stop]
        yield index, padded_rows(tokenizer, encoded, index).to(device)


def padded_rows(
    tokenizer: PreTrainedTokenizerBase, encoded: BatchEncoding, index: np.ndarray
) -> BatchEncoding:
    """The rows ``index`` of an unpadded encoding, padded to their longest, as tensors."""
    return tokenizer.pad(
        {name: [encoded[name][i] for i in index] for name in encoded.keys()}, return_tensors="pt"
    )


def _cuts(sorted_lengths: np.ndarray, batch_size: int, budget: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each batch over ascending lengths.

    A batch holds at most ``batch_size`` texts, and texts times the longest stays within
    ``budget`` unless the batch is a single text.
    """
    start = 0
    while start < len(sorted_lengths):
        stop = start + 1
        while (
            stop < len(sorted_lengths)
            and stop - start < batch_size
            and (stop - start + 1) * sorted_lengths[stop] <= budget
        ):
            stop += 1
        yield start, stop
        start = stop


def length_grouped_batches(
    lengths: np.ndarray, batch_size: int, generator: np.random.Generator
) -> list[np.ndarray]:
    """One training epoch's batches of positions, random but of similar lengths within a batch.

    The positions are shuffled and cut into pools of ``POOL_BATCHES * batch_size``; each pool is
    sorted by length and cut into batches, and the batches are shuffled. A batch then pads to
    the longest of similar texts rather than to the longest of a random draw (on text with a
    few long descriptions, most random batches hold one). Every position comes once, and an epoch
    has ``ceil(len(lengths) / batch_size)`` batches, as with plain random batches.

    Args:
        lengths: ``[n]`` token counts of the training texts.
        batch_size: Texts per batch.
        generator: Source of the shuffles (seeded by the caller).

    Returns:
        The batches, each an array of positions into ``lengths``.
    """
    order = generator.permutation(len(lengths))
    pool = POOL_BATCHES * batch_size
    batches: list[np.ndarray] = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(np.array_split(chunk, -(-len(chunk) // batch_size)))
    return [batches[i] for i in generator.permutation(len(batches))]

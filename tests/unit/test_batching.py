"""Length-sorted batching: every text once, in budget-bounded batches that map back to the input."""

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from taggraph.encoders.tagger.batching import (
    POOL_BATCHES,
    TOKENS_PER_TEXT,
    length_grouped_batches,
    length_sorted_batches,
)
from tests.support.tiny_encoder import make_tiny_encoder

SHORT = [f"red cotton shirt {i}" for i in range(150)]
LONG = [" ".join(["blue leather watch strap"] * 30) + f" {i}" for i in range(5)]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> PreTrainedTokenizerBase:
    path = make_tiny_encoder(tmp_path_factory.mktemp("encoder"), SHORT + LONG)
    return AutoTokenizer.from_pretrained(str(path))


def batches(tokenizer: PreTrainedTokenizerBase, texts: list[str], batch_size: int = 16, max_length: int = 96):
    return list(length_sorted_batches(tokenizer, texts, batch_size, max_length, torch.device("cpu")))


def test_every_text_comes_once_and_its_batch_row_is_its_own_encoding(
    tokenizer: PreTrainedTokenizerBase,
) -> None:
    texts = LONG[:2] + SHORT + LONG[2:]
    seen = []
    for index, batch in batches(tokenizer, texts):
        for row, position in enumerate(index):
            alone = tokenizer(texts[position], truncation=True, max_length=96)["input_ids"]
            kept = batch["attention_mask"][row].bool()
            assert batch["input_ids"][row][kept].tolist() == alone
            assert not kept[len(alone) :].any()
        seen.extend(index.tolist())
    assert sorted(seen) == list(range(len(texts)))


def test_long_texts_form_small_batches_of_their_own(tokenizer: PreTrainedTokenizerBase) -> None:
    result = batches(tokenizer, SHORT + LONG)
    budget = 16 * TOKENS_PER_TEXT
    for _, batch in result:
        rows, width = batch["input_ids"].shape
        assert rows <= 16
        assert rows * width <= budget or rows == 1
    long_positions = set(range(len(SHORT), len(SHORT) + len(LONG)))
    mixed = [set(index.tolist()) for index, _ in result if set(index.tolist()) & long_positions]
    assert all(positions <= long_positions for positions in mixed)
    assert sum(len(index) == 16 for index, _ in result) == len(SHORT) // 16


def test_truncation_caps_the_width(tokenizer: PreTrainedTokenizerBase) -> None:
    for _, batch in batches(tokenizer, LONG, max_length=24):
        assert batch["input_ids"].shape[1] == 24


def test_no_texts_give_no_batches(tokenizer: PreTrainedTokenizerBase) -> None:
    assert batches(tokenizer, []) == []


def test_training_batches_cover_every_text_once_with_similar_lengths_together() -> None:
    rng = np.random.default_rng(1)
    lengths = np.where(rng.random(5000) < 0.03, 96, rng.integers(6, 20, 5000))
    batches = length_grouped_batches(lengths, 32, np.random.default_rng(0))
    assert len(batches) == -(-5000 // 32)
    assert sorted(np.concatenate(batches).tolist()) == list(range(5000))
    assert all(1 <= len(batch) <= 32 for batch in batches)
    padded = sum(len(batch) * lengths[batch].max() for batch in batches)
    random_padded = sum(
        len(b) * lengths[b].max() for b in np.array_split(rng.permutation(5000), len(batches))
    )
    assert padded < 0.5 * random_padded


def test_training_batches_are_shuffled_and_follow_the_seed() -> None:
    lengths = np.arange(POOL_BATCHES * 32 * 3) % 40
    first = length_grouped_batches(lengths, 32, np.random.default_rng(7))
    again = length_grouped_batches(lengths, 32, np.random.default_rng(7))
    other = length_grouped_batches(lengths, 32, np.random.default_rng(8))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    longest = [int(lengths[batch].max()) for batch in first]
    assert longest != sorted(longest)

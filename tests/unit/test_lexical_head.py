"""The lexical head on a tiny encoder made here: its sums, its fit, save/load, ONNX, bad metadata."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.encoders.tagger.lexical import LexicalHead
from taggraph.encoders.tagger.lexical_training import FrozenSplit, LexicalConfig, fit_lexical_head
from taggraph.encoders.tagger.metrics import micro_f1
from taggraph.encoders.tagger.objective import kind_groups, output_width, with_unlisted
from taggraph.encoders.tagger.onnx_runtime import OnnxTagger, export_onnx
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.encoders.tagger.training import TrainingConfig, train_tagger
from taggraph.errors import ModelArtifactError
from taggraph.jobs.tagging.evaluation import without_lexical_head
from tests.support.tiny_encoder import make_tiny_encoder

BRANDS = ("acme", "zenith", "orbit", "nimbus")
WORDS = ("soft", "cotton", "classic", "slim", "daily", "warm")


def brand_texts(count: int, offset: int = 0) -> tuple[list[str], list[str]]:
    """Texts whose brand is one word among random filler words; the brand is the label."""
    rng = np.random.default_rng(offset)
    texts, brands = [], []
    for i in range(offset, offset + count):
        brand = BRANDS[i % len(BRANDS)]
        filler = list(rng.choice(WORDS, size=4))
        filler.insert(int(rng.integers(0, 5)), brand)
        texts.append(" ".join(filler))
        brands.append(f"brand:{brand}")
    return texts, brands


SPACE = LabelSpace(tuple(sorted(f"brand:{brand}" for brand in BRANDS)))


def truth_of(brands: list[str]) -> np.ndarray:
    return np.array([[int(label == brand) for label in SPACE.labels] for brand in brands], dtype=np.int8)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory):
    texts, _ = brand_texts(200)
    return AutoTokenizer.from_pretrained(str(make_tiny_encoder(tmp_path_factory.mktemp("encoder"), texts)))


def test_a_head_sums_the_rows_of_covered_pieces_and_ignores_the_rest() -> None:
    head = LexicalHead.covering([5, 7, 7, 9, 2], vocab_size=12, num_outputs=3, excluded=[2])
    assert head.pieces == 3
    with torch.no_grad():
        head.weight.weight[1:] = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    ids = torch.tensor([[5, 7, 7, 11, 2, 9], [9, 5, 0, 0, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 0, 0, 0, 0]])
    # 11 is not covered, 2 is excluded, the last 9 of row 0 and every 0 of row 1 are padding.
    expected = torch.tensor([[1.0, 2.0, 0.0], [1.0, 0.0, 1.0]])
    torch.testing.assert_close(head(ids, mask), expected)


def test_row_zero_stays_zero_through_training() -> None:
    head = LexicalHead.covering([3, 4], vocab_size=8, num_outputs=2)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.1)
    for _ in range(5):
        optimizer.zero_grad()
        head(torch.tensor([[3, 6, 4]]), torch.ones(1, 3, dtype=torch.long)).sum().backward()
        optimizer.step()
    assert torch.count_nonzero(head.weight.weight[0]) == 0
    assert torch.count_nonzero(head.weight.weight[1:]) == 4


def frozen_split(tokenizer, texts: list[str], truth: np.ndarray, logits: torch.Tensor) -> FrozenSplit:
    return FrozenSplit(tokenizer(texts, truncation=True, max_length=16), logits, truth)


def fit(tokenizer, train: FrozenSplit, validation: FrozenSplit, config: LexicalConfig):
    """A zero head over the training split's pieces, fit; returns the head and the report."""
    ids = [piece for row in train.encoded["input_ids"] for piece in row]
    head = LexicalHead.covering(ids, len(tokenizer), output_width(SPACE), tokenizer.all_special_ids)
    groups = kind_groups(SPACE, torch.device("cpu"))
    report = fit_lexical_head(
        head, tokenizer, train, validation, SPACE, groups, config, np.random.default_rng(0)
    )
    return head, report


def test_the_fit_learns_what_the_frozen_logits_miss(tokenizer) -> None:
    train_texts, train_brands = brand_texts(160)
    validation_texts, validation_brands = brand_texts(40, offset=500)
    width = output_width(SPACE)
    train_truth = with_unlisted(truth_of(train_brands), np.zeros((160, 1), dtype=np.int8))
    train = frozen_split(tokenizer, train_texts, train_truth, torch.zeros(160, width))
    validation = frozen_split(
        tokenizer, validation_texts, truth_of(validation_brands), torch.zeros(40, width)
    )
    _, report = fit(tokenizer, train, validation, LexicalConfig(epochs=10, lr=0.05))
    assert report.validation_micro_f1_before == 0.0
    assert report.validation_micro_f1 == 1.0
    assert 1 <= report.best_epoch <= report.epochs


def test_the_fit_leaves_the_head_at_zero_when_no_epoch_beats_the_frozen_logits(tokenizer) -> None:
    texts, brands = brand_texts(80)
    width = output_width(SPACE)
    perfect = torch.zeros(80, width)
    perfect[:, : len(SPACE)] = 20.0 * torch.from_numpy(truth_of(brands)).float()
    truth = with_unlisted(truth_of(brands), np.zeros((80, 1), dtype=np.int8))
    train = frozen_split(tokenizer, texts, truth, perfect)
    validation = frozen_split(tokenizer, texts, truth_of(brands), perfect)
    head, report = fit(tokenizer, train, validation, LexicalConfig(epochs=5, lr=0.5, patience=2))
    assert report.best_epoch == 0
    assert report.validation_micro_f1 == report.validation_micro_f1_before == 1.0
    assert torch.count_nonzero(head.weight.weight) == 0


@pytest.fixture(scope="module")
def lexical_tagger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tagger, list[str], np.ndarray]:
    """A tagger whose encoder barely trained (two steps), so that the lexical head has work."""
    texts, brands = brand_texts(240)
    encoder = make_tiny_encoder(tmp_path_factory.mktemp("encoder"), texts)
    truth = truth_of(brands)
    config = TrainingConfig(
        epochs=1,
        batch_size=16,
        max_steps=2,
        max_length=16,
        linear_probe=False,
        lexical=LexicalConfig(epochs=10, lr=0.05),
    )
    tagger, _ = train_tagger(
        str(encoder),
        SPACE,
        texts[:160],
        truth[:160],
        np.zeros_like(truth[:160]),
        texts[160:200],
        truth[160:200],
        config,
    )
    return tagger, texts[200:], truth[200:]


def test_training_keeps_a_lexical_head_that_raises_validation_micro_f1(lexical_tagger) -> None:
    tagger, texts, truth = lexical_tagger
    report = tagger.meta["lexical"]
    assert report["best_epoch"] >= 1
    assert report["validation_micro_f1"] > report["validation_micro_f1_before"] + 0.3
    assert tagger.network.lexical is not None
    assert micro_f1(truth, tagger.decide(tagger.predict_proba(texts))) > 0.9
    without = without_lexical_head(tagger, lambda: tagger.decide(tagger.predict_proba(texts)))
    assert micro_f1(truth, without) < 0.7
    assert tagger.network.lexical is not None


def test_no_lexical_head_is_fit_when_switched_off(tmp_path: Path) -> None:
    texts, brands = brand_texts(80)
    encoder = make_tiny_encoder(tmp_path / "encoder", texts)
    truth = truth_of(brands)
    config = TrainingConfig(epochs=1, batch_size=16, max_steps=2, max_length=16, lexical_head=False)
    tagger, _ = train_tagger(
        str(encoder), SPACE, texts[:60], truth[:60], np.zeros_like(truth[:60]), texts[60:], truth[60:], config
    )
    assert tagger.network.lexical is None
    assert "lexical" not in tagger.meta


def test_a_lexical_head_survives_save_and_load(lexical_tagger, tmp_path: Path) -> None:
    tagger, texts, _ = lexical_tagger
    tagger.save(tmp_path / "model")
    loaded = Tagger.load(tmp_path / "model", expected_labels=list(SPACE.labels))
    assert loaded.network.lexical is not None
    assert loaded.network.lexical.pieces == tagger.network.lexical.pieces
    np.testing.assert_allclose(loaded.predict_proba(texts), tagger.predict_proba(texts), atol=1e-6)
    assert loaded.meta["lexical"] == tagger.meta["lexical"]


def test_onnx_runtime_includes_the_lexical_head(lexical_tagger, tmp_path: Path) -> None:
    tagger, texts, _ = lexical_tagger
    onnx = OnnxTagger(tagger, export_onnx(tagger, tmp_path / "tagger.onnx"))
    np.testing.assert_allclose(onnx.predict_proba(texts), tagger.predict_proba(texts), atol=1e-4)


@pytest.mark.parametrize("pieces", ["many", -3, 1_000_000, None])
def test_a_wrong_lexical_piece_count_is_refused(lexical_tagger, tmp_path: Path, pieces) -> None:
    tagger, _, _ = lexical_tagger
    tagger.save(tmp_path / "model")
    settings_file = tmp_path / "model" / "tagger.json"
    settings = json.loads(settings_file.read_text())
    settings["lexical_pieces"] = pieces
    settings_file.write_text(json.dumps(settings))
    with pytest.raises(ModelArtifactError, match="cannot load the tagger"):
        Tagger.load(tmp_path / "model")


def test_taking_the_head_off_puts_it_back_after_an_error(lexical_tagger) -> None:
    tagger, _, _ = lexical_tagger
    head = tagger.network.lexical

    def failing() -> None:
        assert tagger.network.lexical is None
        raise RuntimeError("scoring failed")

    with pytest.raises(RuntimeError, match="scoring failed"):
        without_lexical_head(tagger, failing)
    assert tagger.network.lexical is head

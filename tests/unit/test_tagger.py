"""The tagger model on a tiny encoder made here: training, decoding, save/load, ONNX, bad input."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from taggraph.core.labelled_products import LabelledProduct
from taggraph.encoders.tagger.decoding import calibrate_thresholds, decode
from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.encoders.tagger.metrics import micro_f1
from taggraph.encoders.tagger.network import TaggerNetwork
from taggraph.encoders.tagger.objective import (
    kind_groups,
    kind_loss,
    kind_probabilities,
    output_width,
    with_unlisted,
)
from taggraph.encoders.tagger.onnx_runtime import OnnxTagger, export_onnx
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.encoders.tagger.training import (
    TrainingConfig,
    fit_linear_probe,
    frozen_embeddings,
    train_tagger,
)
from taggraph.errors import ModelArtifactError
from taggraph.jobs.tagging.dataset import unlisted_matrix
from taggraph.jobs.tagging.proposals import (
    DUPLICATE_ID,
    EMPTY_TEXT,
    NOT_UTF8,
    TEXT_TOO_LONG,
    TaggingReport,
    _proposals,
    read_id_file,
)
from tests.support.tiny_encoder import make_tiny_encoder

COLOURS = ("red", "blue", "green")
TYPES = ("shirt", "shoe", "watch")


def synthetic(count: int, offset: int = 0, reordered: bool = False) -> tuple[list[str], list[set[str]]]:
    texts, labels = [], []
    for i in range(offset, offset + count):
        colour, kind = COLOURS[i % 3], TYPES[(i // 3) % 3]
        words = [f"brand{i % 7}", colour, "cotton", kind]
        texts.append(" ".join(reversed(words) if reordered else words))
        labels.append({f"colour:{colour}", f"article_type:{kind}"})
    return texts, labels


def matrix(labels: list[set[str]], space: LabelSpace) -> np.ndarray:
    return np.array([[int(label in row) for label in space.labels] for row in labels], dtype=np.int8)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tagger, list[str], np.ndarray]:
    texts, labels = synthetic(240)
    encoder = make_tiny_encoder(tmp_path_factory.mktemp("encoder"), texts)
    space = LabelSpace.from_examples(labels, 2)
    truth = matrix(labels, space)
    config = TrainingConfig(epochs=4, batch_size=16, encoder_lr=1e-3, head_lr=1e-2, max_length=16)
    tagger, _ = train_tagger(
        str(encoder),
        space,
        texts[:160],
        truth[:160],
        np.zeros_like(truth[:160]),
        texts[160:200],
        truth[160:200],
        config,
    )
    test_texts, test_labels = synthetic(40, offset=200, reordered=True)
    assert not set(test_texts) & set(texts[:200])  # held out: no test text was seen in training
    return tagger, test_texts, matrix(test_labels, space)


def test_training_learns_the_labels(trained) -> None:
    tagger, texts, truth = trained
    assert micro_f1(truth, tagger.decide(tagger.predict_proba(texts))) > 0.9


def test_predict_gives_at_most_one_tag_per_kind(trained) -> None:
    tagger, texts, _ = trained
    for tags in tagger.predict(texts):
        kinds = [label.split(":")[0] for label, _ in tags]
        assert len(kinds) == len(set(kinds))
        assert all(0.0 <= score <= 1.0 for _, score in tags)


def test_save_and_load_round_trip(trained, tmp_path: Path) -> None:
    tagger, texts, _ = trained
    tagger.save(tmp_path / "model", metrics={"micro_f1": 1.0})
    loaded = Tagger.load(tmp_path / "model", expected_labels=list(tagger.space.labels))
    np.testing.assert_allclose(loaded.predict_proba(texts), tagger.predict_proba(texts), atol=1e-6)
    np.testing.assert_array_equal(loaded.thresholds, tagger.thresholds)
    assert loaded.space == tagger.space
    assert json.loads((tmp_path / "model" / "metrics.json").read_text())["micro_f1"] == 1.0


def test_saving_again_replaces_the_model_and_leaves_no_partial_folder(trained, tmp_path: Path) -> None:
    tagger, _, _ = trained
    tagger.save(tmp_path / "model")
    tagger.save(tmp_path / "model")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model"]


def test_a_changed_vocabulary_is_refused_with_a_clear_message(trained, tmp_path: Path) -> None:
    tagger, _, _ = trained
    tagger.save(tmp_path / "model")
    labels = [*tagger.space.labels[1:], "colour:purple"]
    with pytest.raises(ModelArtifactError, match="another tag vocabulary .1 tags new in the graph, 1 gone"):
        Tagger.load(tmp_path / "model", expected_labels=labels)


def test_corrupt_weights_are_refused(trained, tmp_path: Path) -> None:
    tagger, _, _ = trained
    tagger.save(tmp_path / "model")
    weights = tmp_path / "model" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelArtifactError, match="corrupt"):
        Tagger.load(tmp_path / "model")


@pytest.mark.parametrize("broken", ["labels.json", "thresholds.json", "tagger.json"])
def test_missing_or_unreadable_metadata_is_refused(trained, tmp_path: Path, broken: str) -> None:
    tagger, _, _ = trained
    tagger.save(tmp_path / "model")
    (tmp_path / "model" / broken).write_text("{not json")
    with pytest.raises(ModelArtifactError):
        Tagger.load(tmp_path / "model")
    (tmp_path / "model" / broken).unlink()
    with pytest.raises(ModelArtifactError, match=f"missing {broken}"):
        Tagger.load(tmp_path / "model")


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="no tagger model"):
        Tagger.load(tmp_path / "nothing")


def test_onnx_runtime_matches_pytorch(trained, tmp_path: Path) -> None:
    tagger, texts, _ = trained
    fp32 = OnnxTagger(tagger, export_onnx(tagger, tmp_path / "tagger.onnx"))
    np.testing.assert_allclose(fp32.predict_proba(texts), tagger.predict_proba(texts), atol=1e-4)
    int8 = OnnxTagger(tagger, export_onnx(tagger, tmp_path / "tagger-int8.onnx", int8=True))
    assert not (tmp_path / "tagger-int8.fp32.onnx").exists()
    assert np.abs(int8.predict_proba(texts) - tagger.predict_proba(texts)).max() < 0.2


def test_decode_takes_the_best_label_per_kind_above_its_threshold() -> None:
    space = LabelSpace(("colour:blue", "colour:red", "gender:men"))
    scores = np.array([[0.3, 0.7, 0.4], [0.6, 0.4, 0.9]])
    decided = decode(scores, np.array([0.5, 0.8, 0.5]), space)
    np.testing.assert_array_equal(decided, [[0, 0, 0], [1, 0, 1]])


def test_calibrated_thresholds_separate_validation_examples() -> None:
    space = LabelSpace(("colour:blue", "colour:red"))
    scores = np.array([[0.9, 0.1], [0.35, 0.65], [0.8, 0.2], [0.3, 0.7]])
    truth = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    thresholds = calibrate_thresholds(scores, truth, space)
    assert micro_f1(truth, decode(scores, thresholds, space)) == 1.0


def test_skipped_products_are_counted_and_the_rest_scored(trained) -> None:
    tagger, texts, _ = trained
    page = [
        LabelledProduct("shop:1", texts[0], frozenset(), frozenset()),
        LabelledProduct("shop:2", "", frozenset(), frozenset()),
        LabelledProduct("shop:3", "   ", frozenset(), frozenset()),
        LabelledProduct("shop:4", "x" * 5000, frozenset(), frozenset()),
        LabelledProduct("shop:5", "\u202e\x00 красный shirt 👕", frozenset(), frozenset()),
    ]
    report = TaggingReport(run_id="test")
    tag_ids = {label: f"tag:{label}" for label in tagger.space.labels}
    rows = _proposals(tagger, page, tag_ids, 1000, report)
    assert [row["product_id"] for row in rows] == ["shop:1", "shop:5"]
    assert report.scored == 2
    assert report.skipped == Counter({EMPTY_TEXT: 2, TEXT_TOO_LONG: 1})
    assert any(row["tags"] for row in rows)
    assert all(tag["tag_id"].startswith("tag:") for row in rows for tag in row["tags"])


def test_labels_without_a_tag_node_are_not_proposed(trained) -> None:
    tagger, texts, _ = trained
    only_colours = {label: f"tag:{label}" for label in tagger.space.labels if label.startswith("colour:")}
    rows = _proposals(
        tagger,
        [LabelledProduct("shop:1", texts[0], frozenset(), frozenset())],
        only_colours,
        1000,
        TaggingReport(run_id="test"),
    )
    assert rows[0]["tags"] and all(tag["tag_id"].startswith("tag:colour:") for tag in rows[0]["tags"])


def test_id_file_counts_bad_and_repeated_lines(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_bytes(b"myntra:1\n\nmyntra:2\r\nmyntra:1\n\xff\xfe bad\n  myntra:3  \n")
    ids, skipped = read_id_file(path)
    assert ids == ["myntra:1", "myntra:2", "myntra:3"]
    assert skipped == Counter({DUPLICATE_ID: 1, NOT_UTF8: 1})


def test_lora_trains_adapters_and_saves_a_plain_model(tmp_path: Path) -> None:
    texts, labels = synthetic(120)
    encoder = make_tiny_encoder(tmp_path / "encoder", texts)
    space = LabelSpace.from_examples(labels, 2)
    truth = matrix(labels, space)
    config = TrainingConfig(
        epochs=3, batch_size=16, encoder_lr=5e-3, head_lr=1e-2, max_length=16, lora_rank=4
    )
    before = AutoModel.from_pretrained(str(encoder)).state_dict()
    tagger, _ = train_tagger(
        str(encoder), space, texts[:90], truth[:90], np.zeros_like(truth[:90]), texts[90:], truth[90:], config
    )
    state = tagger.network.encoder.state_dict()
    assert set(state) == set(before)
    changed = [name for name in before if not torch.equal(before[name], state[name])]
    assert any("attention" in name for name in changed)
    assert not any("embeddings" in name for name in changed)
    loaded = Tagger.load(tagger.save(tmp_path / "model"))
    assert np.allclose(loaded.predict_proba(texts[90:]), tagger.predict_proba(texts[90:]), atol=1e-5)


def test_the_linear_probe_fits_the_head_to_frozen_embeddings(tmp_path: Path) -> None:
    texts, labels = synthetic(120)
    encoder = make_tiny_encoder(tmp_path / "encoder", texts)
    space = LabelSpace.from_examples(labels, 2)
    truth = matrix(labels, space)
    network = TaggerNetwork.from_pretrained(str(encoder), output_width(space))
    tokenizer = AutoTokenizer.from_pretrained(str(encoder))
    embeddings = frozen_embeddings(network, tokenizer, texts, max_length=16)
    assert embeddings.shape == (120, network.head.in_features)
    groups = kind_groups(space, torch.device("cpu"))
    config = TrainingConfig(probe_steps=100)
    targets = with_unlisted(truth, np.zeros((len(truth), len(space.kinds)), dtype=np.int8))
    before = kind_loss(
        network.head(embeddings),
        torch.from_numpy(targets.astype(np.float32)),
        torch.zeros(targets.shape),
        groups,
        3.0,
    )
    after = fit_linear_probe(network, embeddings, targets, np.zeros_like(targets), groups, config)
    assert after < 0.5 * float(before)
    with torch.no_grad():
        probabilities = kind_probabilities(network.head(embeddings), groups).numpy()[:, : len(space)]
    assert micro_f1(truth, decode(probabilities, np.full(len(space), 0.5), space)) > 0.9


def test_unlisted_matrix_flags_known_values_outside_the_vocabulary() -> None:
    space = LabelSpace(("brand:acme", "colour:red"))
    products = [
        LabelledProduct("p:1", "acme red", frozenset({"brand:acme", "colour:red"}), frozenset()),
        LabelledProduct("p:2", "rare brand", frozenset({"brand:rare", "colour:red"}), frozenset()),
        LabelledProduct("p:3", "no brand", frozenset({"colour:blue"}), frozenset()),
        LabelledProduct("p:4", "two brands", frozenset({"brand:acme", "brand:rare"}), frozenset()),
        LabelledProduct("p:5", "other kind", frozenset({"season:summer"}), frozenset()),
    ]
    assert space.kinds == ["brand", "colour"]
    assert unlisted_matrix(products, space).tolist() == [[0, 0], [1, 0], [0, 1], [0, 0], [0, 0]]


def test_a_value_outside_the_vocabulary_takes_its_kinds_mass_from_the_labels(tmp_path: Path) -> None:
    texts, labels = synthetic(240)
    rare = [i for i in range(240) if i % 4 == 0]
    for i in rare:
        texts[i] = texts[i].replace(COLOURS[i % 3], "purple")
        labels[i] = {label for label in labels[i] if not label.startswith("colour:")} | {"colour:purple"}
    encoder = make_tiny_encoder(tmp_path / "encoder", texts)
    space = LabelSpace(tuple(sorted({label for row in labels for label in row} - {"colour:purple"})))
    truth = matrix(labels, space)
    unlisted = np.zeros((240, len(space.kinds)), dtype=np.int8)
    unlisted[rare, space.kinds.index("colour")] = 1
    config = TrainingConfig(epochs=4, batch_size=16, encoder_lr=1e-3, head_lr=1e-2, max_length=16)
    tagger, _ = train_tagger(
        str(encoder),
        space,
        texts[:200],
        truth[:200],
        np.zeros_like(truth[:200]),
        texts[200:],
        truth[200:],
        config,
        train_unlisted=unlisted[:200],
    )
    colour_mass = tagger.predict_proba(texts[200:])[:, space.columns_of_kind("colour")].sum(1)
    is_rare = np.isin(np.arange(200, 240), rare)
    assert colour_mass[is_rare].max() < 0.3
    assert colour_mass[~is_rare].min() > 0.7
    decided = tagger.decide(tagger.predict_proba(texts[200:]))
    assert decided[is_rare][:, space.columns_of_kind("colour")].sum() == 0
    assert micro_f1(truth[200:][~is_rare], decided[~is_rare]) > 0.9


def test_scores_do_not_depend_on_the_batch_a_text_lands_in(trained) -> None:
    tagger, texts, _ = trained
    mixed = texts + [" ".join(texts)]
    together = tagger.predict_proba(mixed, batch_size=4)
    alone = np.concatenate([tagger.predict_proba([text]) for text in mixed])
    np.testing.assert_allclose(together, alone, atol=1e-5)

"""The span extractor on a tiny encoder made here, its metrics, the gazetteer and the file reader."""

import json
from pathlib import Path

import numpy as np
import pytest

from taggraph.encoders.extractor.attributes import (
    AttributeExample,
    Extraction,
    category_attributes,
    value_spans,
)
from taggraph.encoders.extractor.extractor import SpanExtractor, decode_span
from taggraph.encoders.extractor.gazetteer import Gazetteer
from taggraph.encoders.extractor.metrics import extraction_scores, outcome
from taggraph.encoders.extractor.training import ExtractorConfig, train_extractor
from taggraph.errors import InputError, ModelArtifactError
from taggraph.jobs.extraction.examples import read_example_files, read_examples
from taggraph.jobs.ingest.rejects import RejectsFile
from tests.support.tiny_encoder import make_tiny_encoder

COLOURS = ("red", "navy blue", "green", "black")
MATERIALS = ("cotton", "wool", "linen")
BRANDS = ("acme", "zenith", "orbit", "nova")


def synthetic(count: int, offset: int = 0) -> list[AttributeExample]:
    examples = []
    for i in range(offset, offset + count):
        colour, brand = COLOURS[i % 4], BRANDS[(i // 4) % 4]
        material = MATERIALS[i % 3] if i % 5 else None
        words = [brand, colour, material or "", "shirt", f"size {i % 9}"]
        text = " ".join(word for word in words if word)
        values = {"Color": (colour,), "Brand": (brand,), "Material": (material,) if material else ()}
        examples.append(AttributeExample(text, "Shirts", values))
    return examples


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[SpanExtractor, list[AttributeExample]]:
    train = synthetic(200)
    encoder = make_tiny_encoder(tmp_path_factory.mktemp("encoder"), [e.text for e in train] + ["Shirts"])
    config = ExtractorConfig(
        epochs=8, batch_size=16, encoder_lr=2e-3, head_lr=1e-2, max_length=24, patience=8
    )
    extractor, _ = train_extractor(str(encoder), train[:170], train[170:], config)
    return extractor, synthetic(40, offset=200)


def test_value_spans_prefer_whole_words() -> None:
    assert value_spans("Redwood red shirt", "red") == [(8, 11), (0, 3)]
    assert value_spans("shirt", "") == []
    assert value_spans("a (b) c", "(b)") == [(2, 5)]


def test_outcome_cases() -> None:
    assert outcome((), None) == "NN"
    assert outcome((), "red") == "NV"
    assert outcome(("red",), None) == "VN"
    assert outcome(("Navy  Blue",), "navy blue") == "VC"
    assert outcome(("red",), "blue") == "VW"


def test_extraction_scores_follow_extractgpt() -> None:
    examples = [
        AttributeExample("t1", "c", {"Color": ("red",), "Brand": ()}),
        AttributeExample("t2", "c", {"Color": ("blue",), "Brand": ("acme",)}),
    ]
    predictions = [
        {"Color": Extraction("red", 0.9), "Brand": Extraction("acme", 0.8)},  # VC, NV
        {"Color": Extraction("green", 0.9)},  # VW, VN (Brand missing counts as n/a)
    ]
    scores = extraction_scores(examples, predictions)
    assert scores["counts"] == {"NN": 0, "NV": 1, "VN": 1, "VC": 1, "VW": 1}
    assert scores["precision"] == pytest.approx(100 / 3)
    assert scores["recall"] == pytest.approx(100 / 3)
    with pytest.raises(ValueError):
        extraction_scores(examples, predictions[:1])


def test_gazetteer_prefers_the_category_and_the_longest_value() -> None:
    train = [
        AttributeExample("navy blue coat", "Coats", {"Color": ("navy blue",)}),
        AttributeExample("blue coat", "Coats", {"Color": ("blue",)}),
        AttributeExample("olive rod", "Rods", {"Color": ("olive",)}),
    ]
    gazetteer = Gazetteer.fit(train)
    assert gazetteer.extract("Navy Blue wool coat", ["Color"], "Coats")["Color"].value == "Navy Blue"
    assert gazetteer.extract("olive coat", ["Color"], "Coats")["Color"].value == "olive"
    assert gazetteer.extract("bluebird coat", ["Color", "Size"], "Coats") == {
        "Color": Extraction(None, 0.0),
        "Size": Extraction(None, 0.0),
    }


def test_decode_span_extends_over_inside_tokens() -> None:
    probabilities = np.array(
        [[1, 0, 0], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.9, 0.05, 0.05]], dtype=np.float32
    )
    offsets = np.array([[0, 0], [0, 4], [5, 9], [10, 15]])
    in_text = np.array([False, True, True, True])
    assert decode_span(probabilities, offsets, in_text, 0.5) == (0, 9, pytest.approx(0.8))
    assert decode_span(probabilities, offsets, in_text, 0.9)[:2] == (-1, -1)


def test_training_learns_values_and_absences(trained) -> None:
    extractor, test = trained
    predictions = extractor.extract(
        [e.text for e in test], [e.category for e in test], [e.attributes for e in test]
    )
    scores = extraction_scores(test, predictions)
    assert scores["f1"] > 90, scores
    assert scores["counts"]["NN"] > 0
    assert extractor.category_attributes == {"Shirts": ["Brand", "Color", "Material"]}


def test_unknown_attributes_and_hostile_texts_answer_na(trained) -> None:
    extractor, _ = trained
    texts = ["", "x" * 20_000, "\x00\u202e красный 👕", "acme red wool shirt"]
    results = extractor.extract(texts, ["Shirts", "", "Unknown", "Shirts"], [["Color", "Weight"]] * 4)
    assert len(results) == 4
    assert results[0]["Color"].value is None
    assert all(result["Weight"] == Extraction(None, 0.0) for result in results)
    assert results[3]["Color"].value == "red"
    with pytest.raises(ValueError):
        extractor.extract(["a"], ["b", "c"])


def test_save_load_round_trip_and_refusals(trained, tmp_path: Path) -> None:
    extractor, test = trained
    texts, categories = [e.text for e in test], [e.category for e in test]
    path = extractor.save(tmp_path / "extractor", {"note": 1})
    loaded = SpanExtractor.load(path)
    assert loaded.extract(texts, categories) == extractor.extract(texts, categories)
    assert loaded.threshold == extractor.threshold and loaded.attributes == extractor.attributes
    with pytest.raises(ModelArtifactError, match="no extractor model"):
        SpanExtractor.load(tmp_path / "absent")
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\x00" * 8)
    with pytest.raises(ModelArtifactError, match="corrupt"):
        SpanExtractor.load(path)
    (path / "attributes.json").unlink()
    with pytest.raises(ModelArtifactError, match="missing attributes.json"):
        SpanExtractor.load(path)


def test_failed_save_keeps_the_earlier_model(trained, tmp_path: Path) -> None:
    extractor, _ = trained
    path = extractor.save(tmp_path / "model")
    blocker = tmp_path / "blocked"
    blocker.write_text("a file, not a folder")
    with pytest.raises(ModelArtifactError, match="cannot write"):
        extractor.save(blocker / "model")
    assert SpanExtractor.load(path).attributes == extractor.attributes
    assert not list(tmp_path.glob(".*partial"))


def test_category_attributes_order_by_frequency() -> None:
    examples = synthetic(6) + [AttributeExample("x", "Shoes", {"Size": ("9",)})]
    assert category_attributes(examples) == {"Shirts": ["Brand", "Color", "Material"], "Shoes": ["Size"]}


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n")
    return path


def test_example_file_accounts_for_every_row(tmp_path: Path) -> None:
    good = {
        "input": "acme red shirt",
        "category": "Shirts",
        "target_scores": {"Color": {"red": 1}, "Size": {"n/a": 1}},
    }
    path = write_lines(
        tmp_path / "train.jsonl",
        [
            json.dumps(good),
            json.dumps(good),  # duplicate
            "{not json",
            "[1, 2]",
            json.dumps({"category": "Shirts", "target_scores": {"Color": {"red": 1}}}),  # no input
            json.dumps({"input": "x", "target_scores": {}}),
            json.dumps({"input": "x", "target_scores": {"Color": 5}}),
            json.dumps({"input": "bad\u0000nul", "target_scores": {"Color": ["red"]}}),
            b'{"input": "caf\xe9 shirt", "target_scores": {"Color": "red"}}',
            json.dumps({"input": "y" * 6000, "target_scores": {"Color": "red"}}),
            json.dumps({"input": "z", "target_scores": {f"a{i}": "v" for i in range(101)}}),
            json.dumps(
                {"input": "blue cap", "category": "Caps", "target_scores": {"Color": ["blue", "navy"]}}
            ),
            "",
        ],
    )
    with RejectsFile(tmp_path / "rejects.jsonl") as rejects:
        result = read_examples(path, rejects)
    assert result.rows == 12
    assert len(result.examples) == 2
    assert sum(result.rejected.values()) == 10
    assert len((tmp_path / "rejects.jsonl").read_text().splitlines()) == 10
    assert result.examples[0].values == {"Color": ("red",), "Size": ()}
    assert result.examples[1].values == {"Color": ("blue", "navy")}


def test_an_example_file_with_nothing_usable_is_an_error(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "bad.jsonl", ["{}", "null"])
    with pytest.raises(InputError, match="no usable example"):
        read_example_files([path], tmp_path / "rejects.jsonl")
    with pytest.raises(InputError, match="no such file"):
        read_example_files([tmp_path / "absent.jsonl"], tmp_path / "rejects.jsonl")

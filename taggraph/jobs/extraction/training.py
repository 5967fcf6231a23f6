"""Training the span extractor from files, and evaluating it beside the gazetteer baseline."""

import hashlib
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from taggraph.encoders.extractor.attributes import AttributeExample
from taggraph.encoders.extractor.extractor import SpanExtractor
from taggraph.encoders.extractor.gazetteer import Gazetteer
from taggraph.encoders.extractor.metrics import extraction_scores
from taggraph.encoders.extractor.training import ExtractorConfig, train_extractor
from taggraph.encoders.fine_tuning import EpochReport, StepCallback
from taggraph.encoders.pretrained import resolve_encoder
from taggraph.errors import InputError

VALIDATION_BUCKET = 0


def is_validation(example: AttributeExample) -> bool:
    """One example in ten, by a hash of its category and text, validates; the rest train."""
    digest = hashlib.sha1(f"{example.category}\t{example.text}".encode()).hexdigest()
    return int(digest, 16) % 10 == VALIDATION_BUCKET


def examples_hash(examples: Sequence[AttributeExample]) -> str:
    """A hash of the examples, recorded with the model."""
    rows = [[e.category, e.text, sorted(e.values.items())] for e in examples]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def train_on_examples(
    examples: Sequence[AttributeExample],
    config: ExtractorConfig,
    encoder: str | None = None,
    on_step: StepCallback | None = None,
) -> tuple[SpanExtractor, list[EpochReport]]:
    """Split the examples 90/10 by hash, fine-tune on the 90 and stop early on the 10.

    Raises:
        InputError: If either part is empty (too few examples).

    """
    train = [example for example in examples if not is_validation(example)]
    validation = [example for example in examples if is_validation(example)]
    if not train or not validation:
        raise InputError(
            f"{len(examples)} examples are too few to split into training and validation; give more"
        )
    extractor, reports = train_extractor(resolve_encoder(encoder), train, validation, config, on_step)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    extractor.meta.update(
        {
            "run_id": f"extractor-training-{stamp}",
            "data_hash": examples_hash(examples),
            "train_examples": len(train),
            "validation_examples": len(validation),
        }
    )
    return extractor, reports


def compare_with_gazetteer(
    extractor: SpanExtractor, train: Sequence[AttributeExample], test: Sequence[AttributeExample]
) -> dict[str, dict[str, Any]]:
    """Test-set scores of the extractor and of a gazetteer of the training values, with their speed."""
    texts, categories = [e.text for e in test], [e.category for e in test]
    asked = [e.attributes for e in test]
    started = time.perf_counter()
    predicted = extractor.extract(texts, categories, asked)
    model_seconds = time.perf_counter() - started
    gazetteer = Gazetteer.fit(train)
    started = time.perf_counter()
    baseline = [gazetteer.extract(e.text, e.attributes, e.category) for e in test]
    baseline_seconds = time.perf_counter() - started
    return {
        "fine-tuned extractor": {
            **extraction_scores(test, predicted),
            "texts_per_s": len(test) / model_seconds,
        },
        "gazetteer of training values": {
            **extraction_scores(test, baseline),
            "texts_per_s": len(test) / max(baseline_seconds, 1e-9),
        },
    }

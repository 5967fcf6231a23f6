"""The fine-tuned tagger beside three baselines, on the same split, decoded the same way."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from taggraph.core.labelled_products import LabelledProduct
from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.tagger.baselines import knn_scores, tfidf_logistic_scores, zero_shot_scores
from taggraph.encoders.tagger.decoding import calibrate_thresholds, decode
from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.encoders.tagger.metrics import evaluate, micro_f1
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.jobs.tagging.dataset import label_matrix

T = TypeVar("T")


@dataclass
class Splits:
    """Products of each split and their label matrices over one label space."""

    space: LabelSpace
    train: list[LabelledProduct]
    validation: list[LabelledProduct]
    test: list[LabelledProduct]

    def truth(self, name: str) -> np.ndarray:
        """``[n, L]`` positive labels of split ``name``."""
        return label_matrix(getattr(self, name), self.space)

    def texts(self, name: str) -> list[str]:
        """Texts of split ``name``."""
        return [product.text for product in getattr(self, name)]


def split_products(products: list[LabelledProduct], space: LabelSpace) -> Splits:
    """Group products by their deterministic split."""
    parts: dict[str, list[LabelledProduct]] = {"train": [], "validation": [], "test": []}
    for product in products:
        parts[product.split].append(product)
    return Splits(space, parts["train"], parts["validation"], parts["test"])


def calibrated_metrics(
    splits: Splits, validation_scores: np.ndarray, test_scores: np.ndarray, seconds: float
) -> dict[str, Any]:
    """Test metrics of scores decoded with per-label thresholds calibrated on validation."""
    space = splits.space
    thresholds = calibrate_thresholds(validation_scores, splits.truth("validation"), space)
    kinds = space.columns_by_kind()
    truth = splits.truth("test")
    predicted = decode(test_scores, thresholds, space)
    metrics = evaluate(truth, test_scores, predicted, kinds)
    novel = ~seen_in_training(splits)
    if novel.any():
        novel_metrics = evaluate(truth[novel], test_scores[novel], predicted[novel], kinds)
        metrics["novel_micro_f1"] = novel_metrics["micro_f1"]
        metrics["novel_share"] = float(novel.mean())
    if (~novel).any():
        metrics["seen_micro_f1"] = micro_f1(truth[~novel], predicted[~novel])
    metrics["seconds"] = seconds
    return metrics


def seen_in_training(splits: Splits) -> np.ndarray:
    """``[n_test]`` True where a test product's text is also a training product's, verbatim."""
    train_texts = set(splits.texts("train"))
    return np.array([text in train_texts for text in splits.texts("test")], dtype=bool)


def same_text_agreement(splits: Splits) -> dict[str, Any] | None:
    """How far a product's text decides its tags: the ceiling of any model that reads the text alone.

    For each test product whose text occurs verbatim in training, the prediction per kind is the
    label most of those training products carry (ties to the first label), the best a model
    that maps a text to tags can do on it once it has memorised the training split. Where
    products with the same text carry different labels (a season no title states), this is
    below 1, and so is every text model.

    Args:
        splits: The products and label space.

    Returns:
        ``micro_f1`` and ``f1_by_kind`` on those products and their ``share`` of the test
        split; None when no test text occurs in training.
    """
    seen = seen_in_training(splits)
    if not seen.any():
        return None
    train_truth = splits.truth("train").astype(np.int64)
    rows_of: dict[str, list[int]] = {}
    for row, text in enumerate(splits.texts("train")):
        rows_of.setdefault(text, []).append(row)
    test = splits.texts("test")
    counts = np.stack([train_truth[rows_of[test[i]]].sum(0) for i in np.flatnonzero(seen)])
    kinds = splits.space.columns_by_kind()
    predicted = np.zeros_like(counts)
    for columns in map(np.asarray, kinds.values()):
        best = columns[counts[:, columns].argmax(1)]
        carried = np.flatnonzero(counts[np.arange(len(counts)), best] > 0)
        predicted[carried, best[carried]] = 1
    truth = splits.truth("test")[seen]
    return {
        "micro_f1": micro_f1(truth, predicted),
        "f1_by_kind": {kind: micro_f1(truth[:, c], predicted[:, c]) for kind, c in kinds.items()},
        "share": float(seen.mean()),
    }


def test_metrics(tagger: Tagger, splits: Splits) -> dict[str, Any]:
    """The tagger's metrics on the test split, decoded with its own calibrated thresholds."""
    started = time.perf_counter()
    scores = tagger.predict_proba(splits.texts("test"))
    kinds = splits.space.columns_by_kind()
    metrics = evaluate(splits.truth("test"), scores, tagger.decide(scores), kinds)
    metrics["seconds"] = time.perf_counter() - started
    return metrics


def compare_with_baselines(
    tagger: Tagger, splits: Splits, embedder: TextEmbedder, log: Callable[[str], None] = print
) -> dict[str, dict[str, Any]]:
    """Metrics on the test split for the tagger and the three baselines.

    Every method's per-label thresholds are calibrated on the validation split and decoded to
    one label per kind, so the methods differ only in their scores.

    Args:
        tagger: The fine-tuned tagger.
        splits: The products and label space.
        embedder: The pretrained encoder, for the zero-shot and nearest-neighbour baselines.
        log: Receives a line as each method finishes.

    Returns:
        Method name -> metrics (see :func:`taggraph.encoders.tagger.metrics.evaluate`).
    """
    results: dict[str, dict[str, Any]] = {}

    def run(name: str, score: Callable[[], tuple[np.ndarray, np.ndarray]]) -> None:
        started = time.perf_counter()
        validation_scores, test_scores = score()
        seconds = time.perf_counter() - started
        results[name] = calibrated_metrics(splits, validation_scores, test_scores, seconds)
        log(f"{name}: micro-F1 {results[name]['micro_f1']:.4f}")

    def tagger_scores() -> tuple[np.ndarray, np.ndarray]:
        return tagger.predict_proba(splits.texts("validation")), tagger.predict_proba(splits.texts("test"))

    run("fine-tuned tagger", tagger_scores)
    if tagger.network.lexical is not None:
        run("fine-tuned tagger without its lexical head", lambda: without_lexical_head(tagger, tagger_scores))

    def tfidf() -> tuple[np.ndarray, np.ndarray]:
        texts = splits.texts("validation") + splits.texts("test")
        scores = tfidf_logistic_scores(splits.texts("train"), splits.truth("train"), texts)
        return scores[: len(splits.validation)], scores[len(splits.validation) :]

    run("TF-IDF + logistic regression", tfidf)
    started = time.perf_counter()
    vectors = {name: embedder.embed(splits.texts(name)) for name in ("train", "validation", "test")}
    embedding_seconds = time.perf_counter() - started
    run(
        "zero-shot MiniLM similarity",
        lambda: (
            zero_shot_scores(embedder, splits.space, vectors["validation"]),
            zero_shot_scores(embedder, splits.space, vectors["test"]),
        ),
    )
    run(
        "kNN label transfer (MiniLM, k=5)",
        lambda: (
            knn_scores(vectors["train"], splits.truth("train"), vectors["validation"]),
            knn_scores(vectors["train"], splits.truth("train"), vectors["test"]),
        ),
    )
    for name in ("zero-shot MiniLM similarity", "kNN label transfer (MiniLM, k=5)"):
        results[name]["seconds"] += embedding_seconds
    return results


def without_lexical_head(tagger: Tagger, score: Callable[[], T]) -> T:
    """``score()`` with the tagger's lexical head taken off for the call (put back after)."""
    lexical, tagger.network.lexical = tagger.network.lexical, None
    try:
        return score()
    finally:
        tagger.network.lexical = lexical

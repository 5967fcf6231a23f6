"""The ceiling a text sets: the majority training label of a test product's identical text."""

import numpy as np
import pytest

from taggraph.core.labelled_products import LabelledProduct
from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.jobs.tagging.evaluation import Splits, calibrated_metrics, same_text_agreement, seen_in_training

SPACE = LabelSpace(("colour:Blue", "colour:Red", "season:Summer", "season:Winter"))


def product(number: int, text: str, *labels: str) -> LabelledProduct:
    return LabelledProduct(f"shop:{number}", text, frozenset(labels), frozenset())


def splits(train: list[LabelledProduct], test: list[LabelledProduct]) -> Splits:
    return Splits(SPACE, train, [], test)


TRAIN = [
    product(1, "red shirt", "colour:Red", "season:Summer"),
    product(2, "red shirt", "colour:Red", "season:Summer"),
    product(3, "red shirt", "colour:Red", "season:Winter"),
    product(4, "blue coat", "colour:Blue"),
]


def test_the_majority_label_of_the_same_text_is_the_prediction() -> None:
    test = [
        product(10, "red shirt", "colour:Red", "season:Winter"),
        product(11, "green hat", "colour:Blue", "season:Summer"),
    ]

    agreement = same_text_agreement(splits(TRAIN, test))

    assert agreement is not None
    assert agreement["share"] == 0.5
    assert agreement["f1_by_kind"] == {"colour": 1.0, "season": 0.0}
    assert agreement["micro_f1"] == pytest.approx(0.5)  # tp 1, fp 1 (Summer), fn 1 (Winter)


def test_a_kind_no_training_copy_carries_is_left_unpredicted() -> None:
    test = [product(12, "blue coat", "colour:Blue", "season:Winter")]

    agreement = same_text_agreement(splits(TRAIN, test))

    assert agreement is not None
    assert agreement["f1_by_kind"]["colour"] == 1.0
    assert agreement["f1_by_kind"]["season"] == 0.0
    assert agreement["micro_f1"] == pytest.approx(2 / 3)  # tp 1, fn 1, no false positive


def test_no_test_text_in_training_gives_none() -> None:
    assert same_text_agreement(splits(TRAIN, [product(13, "red  shirt", "colour:Red")])) is None


def test_seen_and_novel_scores_split_the_test_products() -> None:
    test = [
        product(14, "red shirt", "colour:Red", "season:Winter"),
        product(15, "new scarf", "colour:Blue", "season:Winter"),
    ]
    data = Splits(SPACE, TRAIN, test, test)  # thresholds calibrated on the test products themselves
    scores = np.array([[0.1, 0.9, 0.8, 0.2], [0.9, 0.1, 0.2, 0.8]], dtype=np.float32)

    metrics = calibrated_metrics(data, scores, scores, seconds=0.0)

    assert seen_in_training(data).tolist() == [True, False]
    assert metrics["novel_share"] == 0.5
    assert metrics["novel_micro_f1"] == 1.0
    assert metrics["seen_micro_f1"] == pytest.approx(0.5)

"""Attribute-value extraction scored as the ExtractGPT paper does, ``n/a`` answers included.

Each (example, asked attribute) pair falls in one of five cases:

- NN: nothing extracted and the gold is ``n/a``;
- NV: a value extracted where the gold is ``n/a``;
- VN: nothing extracted where the gold has a value;
- VC: the extracted value is one of the gold values;
- VW: a value extracted that is not a gold value.

Precision is ``VC / (NV + VC + VW)``, recall ``VC / (VN + VC + VW)``. Values compare
case-insensitively with spaces collapsed (:func:`value_key`).
"""

from collections import Counter, defaultdict
from collections.abc import Sequence

from taggraph.encoders.extractor.attributes import AttributeExample, Extraction, value_key

CASES = ("NN", "NV", "VN", "VC", "VW")


def outcome(gold: tuple[str, ...], predicted: str | None) -> str:
    """The case of one answer (see the module docstring)."""
    if predicted is None:
        return "VN" if gold else "NN"
    if not gold:
        return "NV"
    return "VC" if value_key(predicted) in {value_key(value) for value in gold} else "VW"


def _precision_recall_f1(counts: Counter[str]) -> dict[str, float]:
    predicted = counts["NV"] + counts["VC"] + counts["VW"]
    relevant = counts["VN"] + counts["VC"] + counts["VW"]
    precision = counts["VC"] / predicted if predicted else 0.0
    recall = counts["VC"] / relevant if relevant else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def extraction_scores(
    examples: Sequence[AttributeExample], predictions: Sequence[dict[str, Extraction]]
) -> dict[str, object]:
    """Precision, recall and F1 over every asked attribute of every example, in percent.

    Args:
        examples: The gold examples.
        predictions: For each example, attribute -> extraction; a missing attribute counts as
            ``n/a``.

    Returns:
        ``precision``, ``recall``, ``f1`` (0 to 100), the case ``counts`` and ``f1_by_attribute``.

    """
    if len(examples) != len(predictions):
        raise ValueError(f"{len(examples)} examples but {len(predictions)} predictions")
    counts: Counter[str] = Counter()
    by_attribute: dict[str, Counter[str]] = defaultdict(Counter)
    for example, predicted in zip(examples, predictions, strict=True):
        for attribute, gold in example.values.items():
            found = predicted.get(attribute)
            case = outcome(gold, found.value if found is not None else None)
            counts[case] += 1
            by_attribute[attribute][case] += 1
    overall = _precision_recall_f1(counts)
    return {
        **{name: 100 * value for name, value in overall.items()},
        "counts": {case: counts[case] for case in CASES},
        "f1_by_attribute": {
            attribute: 100 * _precision_recall_f1(cases)["f1"]
            for attribute, cases in sorted(by_attribute.items())
        },
    }

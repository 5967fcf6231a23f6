"""Multi-label metrics over a binary truth matrix and a score or decision matrix.

Shapes: ``truth`` and ``predicted`` are ``[n_examples, n_labels]`` of 0/1; ``scores`` is the same
shape of floats. Kinds group label columns for per-kind F1.
"""

import numpy as np
from sklearn.metrics import average_precision_score


def _f1(tp: float, fp: float, fn: float) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def micro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """F1 over all (example, label) decisions."""
    tp = float((truth * predicted).sum())
    return _f1(tp, float(((1 - truth) * predicted).sum()), float((truth * (1 - predicted)).sum()))


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Mean F1 of the labels that occur in ``truth`` or are predicted."""
    tp = (truth * predicted).sum(0)
    fp = ((1 - truth) * predicted).sum(0)
    fn = (truth * (1 - predicted)).sum(0)
    present = (tp + fp + fn) > 0
    scores = [_f1(a, b, c) for a, b, c in zip(tp[present], fp[present], fn[present], strict=True)]
    return float(np.mean(scores)) if scores else 0.0


def precision_at_k(truth: np.ndarray, scores: np.ndarray, k: int) -> float:
    """Share of the top-``k`` labels of each example that are true, averaged over examples."""
    top = np.argsort(-scores, axis=1)[:, :k]
    hits = np.take_along_axis(truth, top, axis=1).sum(1)
    return float((hits / k).mean())


def mean_average_precision(truth: np.ndarray, scores: np.ndarray) -> float:
    """Mean over examples of the average precision of their ranked labels."""
    keep = truth.sum(1) > 0
    if not keep.any():
        return 0.0
    return float(average_precision_score(truth[keep].T, scores[keep].T, average="macro"))


def evaluate(
    truth: np.ndarray, scores: np.ndarray, predicted: np.ndarray, kinds: dict[str, list[int]]
) -> dict[str, object]:
    """Every reported metric for one model on one split.

    Args:
        truth: ``[n, L]`` true labels.
        scores: ``[n, L]`` scores (higher is more likely).
        predicted: ``[n, L]`` decisions.
        kinds: Kind -> its label columns.

    Returns:
        micro_f1, macro_f1, p_at_1, p_at_5, map and per-kind F1 (``f1_by_kind``).

    """
    return {
        "micro_f1": micro_f1(truth, predicted),
        "macro_f1": macro_f1(truth, predicted),
        "p_at_1": precision_at_k(truth, scores, 1),
        "p_at_5": precision_at_k(truth, scores, 5),
        "map": mean_average_precision(truth, scores),
        "f1_by_kind": {
            kind: micro_f1(truth[:, columns], predicted[:, columns]) for kind, columns in kinds.items()
        },
    }

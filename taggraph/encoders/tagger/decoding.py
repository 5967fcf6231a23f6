"""From scores to tags: the best label of each kind, kept when it clears that label's threshold.

Shapes: ``scores`` is ``[n_examples, n_labels]``; ``thresholds`` is ``[n_labels]``.
"""

import numpy as np

from taggraph.encoders.tagger.labels import LabelSpace


def best_per_kind(scores: np.ndarray, space: LabelSpace) -> np.ndarray:
    """A 0/1 matrix with a 1 at the highest-scoring label of each kind of each example."""
    chosen = np.zeros_like(scores, dtype=np.int8)
    rows = np.arange(scores.shape[0])
    for kind in space.kinds:
        columns = np.asarray(space.columns_of_kind(kind))
        best = columns[np.argmax(scores[:, columns], axis=1)]
        chosen[rows, best] = 1
    return chosen


def decode(scores: np.ndarray, thresholds: np.ndarray, space: LabelSpace) -> np.ndarray:
    """Tags of each example: per kind, the best label if its score reaches its threshold.

    Args:
        scores: ``[n, L]`` probabilities.
        thresholds: ``[L]`` per-label thresholds.
        space: The label space.

    Returns:
        ``[n, L]`` 0/1 decisions, at most one per kind.

    """
    return (best_per_kind(scores, space) * (scores >= thresholds[None, :])).astype(np.int8)


def calibrate_thresholds(
    scores: np.ndarray, truth: np.ndarray, space: LabelSpace, grid: np.ndarray | None = None
) -> np.ndarray:
    """Choose each label's threshold on validation data to maximise that label's F1.

    Only examples where the label is its kind's best are affected by its threshold, so each
    label is tuned on those. A label never chosen keeps 0.5.

    Args:
        scores: ``[n, L]`` validation probabilities.
        truth: ``[n, L]`` validation truth.
        space: The label space.
        grid: Candidate thresholds; 0.05 to 0.95 by default.

    Returns:
        ``[L]`` thresholds.

    """
    grid = np.linspace(0.05, 0.95, 19) if grid is None else grid
    chosen = best_per_kind(scores, space).astype(bool)
    thresholds = np.full(scores.shape[1], 0.5, dtype=np.float32)
    for column in range(scores.shape[1]):
        mask = chosen[:, column]
        if not mask.any():
            continue
        column_scores, column_truth = scores[mask, column], truth[mask, column]
        missed_elsewhere = float(truth[~mask, column].sum())
        best_f1, best_threshold = -1.0, 0.5
        for threshold in grid:
            predicted = column_scores >= threshold
            tp = float((predicted & (column_truth == 1)).sum())
            fp = float((predicted & (column_truth == 0)).sum())
            fn = float((~predicted & (column_truth == 1)).sum()) + missed_elsewhere
            f1 = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
            if f1 > best_f1:
                best_f1, best_threshold = f1, float(threshold)
        thresholds[column] = best_threshold
    return thresholds

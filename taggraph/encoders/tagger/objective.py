"""Per-kind softmax: the labels of one kind compete, as a product has one gender, one type, ...

Each kind also has an *unlisted* output: "this product's value of the kind is none of the
vocabulary's" (a brand too rare to be a label, say). It takes part in the kind's softmax, so a
text unlike every label's can give its mass there instead of to the nearest label; it is
trained on products whose known value of the kind lies outside the vocabulary.

Shapes: the network gives ``[batch, L + K]`` logits for ``L`` labels and ``K`` kinds: the labels'
columns first, in label-space order, then one unlisted column per kind, in ``space.kinds``
order. ``groups`` lists the columns of each kind, its unlisted column last.
"""

import numpy as np
import torch
import torch.nn.functional as F

from taggraph.encoders.tagger.labels import LabelSpace


def output_width(space: LabelSpace) -> int:
    """Logits of a network over ``space``: one per label and one unlisted per kind."""
    return len(space) + len(space.kinds)


def kind_groups(space: LabelSpace, device: torch.device) -> list[torch.Tensor]:
    """Per kind, its label columns and its unlisted column, as index tensors."""
    return [
        torch.tensor([*space.columns_of_kind(kind), len(space) + position], dtype=torch.long, device=device)
        for position, kind in enumerate(space.kinds)
    ]


def with_unlisted(truth: np.ndarray, unlisted: np.ndarray) -> np.ndarray:
    """``[n, L + K]`` targets: the ``[n, L]`` label truth, then the ``[n, K]`` unlisted flags."""
    return np.concatenate([truth, unlisted.astype(truth.dtype)], axis=1)


def kind_probabilities(logits: torch.Tensor, groups: list[torch.Tensor]) -> torch.Tensor:
    """Softmax within each kind's columns.

    Args:
        logits: ``[batch, L + K]`` logits.
        groups: Column indices of each kind (a partition of the L + K columns).

    Returns:
        ``[batch, L + K]`` probabilities that sum to 1 within each kind.
    """
    probabilities = torch.empty_like(logits)
    for columns in groups:
        probabilities[:, columns] = F.softmax(logits[:, columns], dim=1)
    return probabilities


def kind_loss(
    logits: torch.Tensor,
    truth: torch.Tensor,
    negatives: torch.Tensor,
    groups: list[torch.Tensor],
    negative_weight: float,
) -> torch.Tensor:
    """Cross-entropy per kind against the known labels, plus a penalty on rejected labels.

    For each kind, examples with at least one positive of that kind (a label, or the unlisted
    column) contribute the cross-entropy to the uniform distribution over their positives;
    examples whose value of the kind is unknown contribute nothing. A label a person rejected
    adds ``-log(1 - p)``.

    Args:
        logits: ``[batch, L + K]`` logits.
        truth: ``[batch, L + K]`` 1 for known positives (see :func:`with_unlisted`).
        negatives: ``[batch, L + K]`` 1 for labels a person rejected.
        groups: Column indices of each kind.
        negative_weight: Weight of the rejected-label penalty.

    Returns:
        Scalar loss, averaged over (example, kind) terms.
    """
    total = logits.new_zeros(())
    terms = logits.new_zeros(())
    for columns in groups:
        kind_logits = logits[:, columns]
        log_probabilities = F.log_softmax(kind_logits, dim=1)
        target = truth[:, columns]
        counts = target.sum(1)
        present = counts > 0
        if present.any():
            distribution = target[present] / counts[present].unsqueeze(1)
            total = total - (distribution * log_probabilities[present]).sum()
            terms = terms + present.sum()
        rejected = negatives[:, columns]
        if rejected.any():
            probabilities = log_probabilities.exp().clamp(max=1 - 1e-6)
            total = total - negative_weight * (rejected * torch.log1p(-probabilities)).sum()
            terms = terms + rejected.sum()
    return total / terms.clamp(min=1)

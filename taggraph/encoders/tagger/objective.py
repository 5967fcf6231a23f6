"""Per-kind softmax: the labels of one kind compete, as a product has one gender, one type, ...

Shapes: ``logits`` is ``[batch, L]``; ``groups`` lists the label columns of each kind.
"""

import torch
import torch.nn.functional as F


def kind_groups(columns_by_kind: list[list[int]], device: torch.device) -> list[torch.Tensor]:
    """Column index tensors, one per kind."""
    return [torch.tensor(columns, dtype=torch.long, device=device) for columns in columns_by_kind]


def kind_probabilities(logits: torch.Tensor, groups: list[torch.Tensor]) -> torch.Tensor:
    """Softmax within each kind's columns.

    Args:
        logits: ``[batch, L]`` label logits.
        groups: Column indices of each kind (a partition of the L columns).

    Returns:
        ``[batch, L]`` probabilities that sum to 1 within each kind.
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

    For each kind, examples with at least one positive label of that kind contribute the
    cross-entropy to the uniform distribution over their positives; examples with none of
    that kind contribute nothing. A label a person rejected adds ``-log(1 - p)``.

    Args:
        logits: ``[batch, L]`` label logits.
        truth: ``[batch, L]`` 1 for known positives.
        negatives: ``[batch, L]`` 1 for labels a person rejected.
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

"""Fitting the lexical head to what the fine-tuned network still gets wrong.

The encoder and its linear head are frozen: their logits of every training and validation text
are computed once, and the lexical head learns what to add to them, with the training loss.
The head starts at zero, which is the fine-tuned network unchanged, and the epoch kept is the
one of the best validation micro-F1, that start included; so the head is kept only where it
helps on texts it was not fit on.
"""

from dataclasses import dataclass

import numpy as np
import torch
from transformers import BatchEncoding, PreTrainedTokenizerBase

from taggraph.encoders.fitting import EarlyStopping
from taggraph.encoders.tagger.batching import padded_rows
from taggraph.encoders.tagger.decoding import decode
from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.encoders.tagger.lexical import LexicalHead
from taggraph.encoders.tagger.metrics import micro_f1
from taggraph.encoders.tagger.objective import kind_loss, kind_probabilities


@dataclass(frozen=True)
class FrozenSplit:
    """One split as the lexical fit sees it.

    Attributes:
        encoded: The texts' unpadded token ids and attention masks.
        logits: ``[n, L + K]`` logits of the frozen network.
        truth: ``[n, L + K]`` targets for training (see :func:`objective.with_unlisted`),
            ``[n, L]`` labels for validation.
        negatives: ``[n, L + K]`` labels a person rejected; None when there are none (and for
            validation, where they are not used).

    """

    encoded: BatchEncoding
    logits: torch.Tensor
    truth: np.ndarray
    negatives: np.ndarray | None = None


@dataclass(frozen=True)
class LexicalConfig:
    """Hyperparameters of the lexical fit.

    Attributes:
        epochs: Most passes over the training split.
        batch_size: Texts per step.
        lr: Adam learning rate.
        weight_decay: L2 penalty on the head's rows, per step.
        patience: Epochs in a row without a better validation micro-F1 before stopping.
        negative_weight: Weight of the penalty on a label a person rejected.

    """

    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-2
    weight_decay: float = 0.0
    patience: int = 4
    negative_weight: float = 3.0


@dataclass
class LexicalReport:
    """What the fit did: validation micro-F1 (thresholds at 0.5) before and after, epochs run."""

    validation_micro_f1_before: float
    validation_micro_f1: float
    best_epoch: int
    epochs: int


def fit_lexical_head(
    head: LexicalHead,
    tokenizer: PreTrainedTokenizerBase,
    train: FrozenSplit,
    validation: FrozenSplit,
    space: LabelSpace,
    groups: list[torch.Tensor],
    config: LexicalConfig,
    generator: np.random.Generator,
) -> LexicalReport:
    """Train ``head`` on top of frozen logits; leave it at its best validation epoch.

    Args:
        head: The lexical head (zero at the start).
        tokenizer: Pads the encoded rows.
        train: The training split, with targets and rejected labels.
        validation: The validation split (early stopping).
        space: Labels; the first ``L`` logit columns.
        groups: Column indices of each kind (see :func:`objective.kind_groups`).
        config: Hyperparameters.
        generator: Source of the batch shuffles.

    Returns:
        The report of the fit.

    """
    device = train.logits.device
    optimizer = torch.optim.Adam(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    target = torch.from_numpy(train.truth.astype(np.float32)).to(device)
    negatives = train.negatives if train.negatives is not None else np.zeros_like(train.truth)
    rejected = torch.from_numpy(negatives.astype(np.float32)).to(device)
    stopping = EarlyStopping(config.patience)
    before = _validation_f1(head, tokenizer, validation, space, groups)
    stopping.update(before, head)
    best_epoch, epoch = 0, 0
    for epoch in range(1, config.epochs + 1):
        head.train()
        for batch in np.array_split(generator.permutation(len(target)), -(-len(target) // config.batch_size)):
            encoded = padded_rows(tokenizer, train.encoded, batch).to(device)
            rows = torch.from_numpy(batch).to(device)
            logits = train.logits[rows] + head(encoded["input_ids"], encoded["attention_mask"])
            loss = kind_loss(logits, target[rows], rejected[rows], groups, config.negative_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        score = _validation_f1(head, tokenizer, validation, space, groups)
        if score > stopping.best:
            best_epoch = epoch
        if stopping.update(score, head):
            break
    stopping.restore(head)
    return LexicalReport(before, stopping.best, best_epoch, epoch)


@torch.no_grad()
def lexical_logits(
    head: LexicalHead, tokenizer: PreTrainedTokenizerBase, encoded: BatchEncoding, batch_size: int = 512
) -> torch.Tensor:
    """``[n, outputs]`` logits of the head for every row of an unpadded encoding, in order."""
    device = head.rows.device
    rows = len(encoded["input_ids"])
    parts = [torch.zeros(0, head.weight.embedding_dim, device=device)]
    for start in range(0, rows, batch_size):
        batch = padded_rows(tokenizer, encoded, np.arange(start, min(start + batch_size, rows))).to(device)
        parts.append(head(batch["input_ids"], batch["attention_mask"]))
    return torch.cat(parts)


def _validation_f1(
    head: LexicalHead,
    tokenizer: PreTrainedTokenizerBase,
    validation: FrozenSplit,
    space: LabelSpace,
    groups: list[torch.Tensor],
) -> float:
    """Micro-F1 on validation of the frozen logits plus the head's, decoded at thresholds 0.5."""
    head.eval()
    logits = validation.logits + lexical_logits(head, tokenizer, validation.encoded)
    probabilities = kind_probabilities(logits, groups)[:, : len(space)].cpu().numpy()
    return micro_f1(validation.truth, decode(probabilities, np.full(len(space), 0.5), space))

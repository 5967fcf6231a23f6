"""What fine-tuning a pretrained encoder shares: two learning rates, a warm-up schedule, LoRA, a step."""

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from transformers import get_linear_schedule_with_warmup

from taggraph.encoders.fitting import EarlyStopping

StepCallback = Callable[[int, int, float, float], None]
"""Called after each step with (step, total steps, loss, examples per second)."""


@dataclass
class EpochReport:
    """What one fine-tuning epoch did.

    Attributes:
        epoch: The epoch, from 1.
        loss: Mean training loss of its steps.
        validation: The validation score early stopping compared (micro-F1 or F1).
        examples_per_s: Training examples per second.
        seconds: Seconds of training and validation.

    """

    epoch: int
    loss: float
    validation: float
    examples_per_s: float
    seconds: float


@dataclass(frozen=True)
class FineTuningConfig:
    """Hyperparameters every fine-tuning run of a pretrained encoder has.

    Attributes:
        epochs: Most passes over the training data.
        batch_size: Examples per step.
        encoder_lr: Learning rate of the encoder.
        head_lr: Learning rate of the new head.
        weight_decay: AdamW weight decay.
        warmup: Share of steps with a rising learning rate.
        max_length: Longest tokenised input.
        patience: Epochs in a row without a better validation score before stopping.
        dropout: Dropout before the head.
        seed: Seed of every random choice.
        max_steps: Stop after this many steps (0: no limit); for smoke runs.

    """

    epochs: int = 4
    batch_size: int = 32
    encoder_lr: float = 5e-5
    head_lr: float = 5e-4
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_length: int = 64
    patience: int = 2
    dropout: float = 0.1
    seed: int = 13
    max_steps: int = 0


def total_steps(examples: int, config: FineTuningConfig) -> int:
    """Optimizer steps of a run: every batch of every epoch, capped by ``max_steps`` when set."""
    steps = math.ceil(examples / config.batch_size) * config.epochs
    return min(steps, config.max_steps) if config.max_steps else steps


def optimizer_for(
    network: nn.Module, head: nn.Module, config: FineTuningConfig, steps: int
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with one learning rate for the pretrained encoder and one for the new head.

    Frozen parameters (an encoder under LoRA keeps only its adapters trainable) are left out;
    the learning rate rises over the ``warmup`` share of ``steps``, then decays linearly.

    Args:
        network: The whole network.
        head: Its newly initialised part (``head_lr``; every other parameter has ``encoder_lr``).
        config: Learning rates, weight decay and warm-up.
        steps: Steps of the run.

    """
    head_ids = {id(parameter) for parameter in head.parameters()}
    trainable = [p for p in network.parameters() if p.requires_grad and id(p) not in head_ids]
    optimizer = torch.optim.AdamW(
        [
            {"params": trainable, "lr": config.encoder_lr},
            {"params": list(head.parameters()), "lr": config.head_lr},
        ],
        weight_decay=config.weight_decay,
    )
    return optimizer, get_linear_schedule_with_warmup(optimizer, int(config.warmup * steps), steps)


def with_lora(encoder: nn.Module, rank: int, alpha: int | None = None, dropout: float = 0.05) -> nn.Module:
    """The encoder with low-rank adapters on every linear layer, its own weights frozen (peft).

    Args:
        encoder: A transformers encoder.
        rank: Rank of the adapters.
        alpha: Scaling numerator (``2 * rank`` when None).
        dropout: Dropout on the adapters' input.

    """
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=rank, lora_alpha=alpha or 2 * rank, lora_dropout=dropout, target_modules="all-linear"
    )
    return get_peft_model(encoder, config)


def merged(encoder: nn.Module) -> nn.Module:
    """An encoder with its LoRA adapters folded into its weights (itself when it has none)."""
    merge = getattr(encoder, "merge_and_unload", None)
    return merge() if callable(merge) else encoder


def step(
    loss: torch.Tensor,
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LambdaLR,
) -> float:
    """Back-propagate ``loss``, clip gradients to norm 1, step; returns the loss value."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    return float(loss.detach())


def fine_tune(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LambdaLR,
    *,
    batches: Callable[[], Iterable[np.ndarray]],
    batch_loss: Callable[[np.ndarray], torch.Tensor],
    validate: Callable[[], float],
    epochs: int,
    steps: int,
    patience: int,
    on_step: StepCallback | None = None,
) -> list[EpochReport]:
    """Train epoch by epoch, validating after each; keep the weights of the best validation score.

    Training ends after ``epochs``, after ``steps`` optimizer steps, or when ``patience``
    validations in a row bring no better score; ``network`` is left with the best epoch's
    weights, in eval mode.

    Args:
        network: The network (trained in train mode, validated in eval mode).
        optimizer: Its optimizer.
        scheduler: Its learning-rate schedule, stepped with every step.
        batches: A new epoch's batches, each an array of training example positions.
        batch_loss: The loss of one batch.
        validate: The validation score of the network as it is (higher is better).
        epochs: Most epochs.
        steps: Most optimizer steps over the whole run.
        patience: Validations in a row without a better score before stopping.
        on_step: Called after each step.

    Returns:
        A report per epoch run.

    """
    stopping, reports, done = EarlyStopping(patience), [], 0
    for epoch in range(1, epochs + 1):
        network.train()
        started, seen, running, taken = time.perf_counter(), 0, 0.0, 0
        for batch in batches():
            step_loss = step(batch_loss(batch), network, optimizer, scheduler)
            done, taken, seen, running = done + 1, taken + 1, seen + len(batch), running + step_loss
            if on_step is not None:
                on_step(done, steps, step_loss, seen / (time.perf_counter() - started))
            if done >= steps:
                break
        network.eval()
        score = validate()
        seconds = time.perf_counter() - started
        reports.append(EpochReport(epoch, running / max(1, taken), score, seen / seconds, seconds))
        if stopping.update(score, network) or done >= steps:
            break
    stopping.restore(network)
    return reports

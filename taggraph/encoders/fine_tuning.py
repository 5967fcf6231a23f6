"""What every fine-tuning loop shares: two learning rates, a warm-up schedule, early stopping."""

import math

import torch
from torch import nn
from transformers import get_linear_schedule_with_warmup


def total_steps(examples: int, batch_size: int, epochs: int, max_steps: int) -> int:
    """Optimizer steps of a run: every batch of every epoch, capped by ``max_steps`` when set."""
    steps = math.ceil(examples / batch_size) * epochs
    return min(steps, max_steps) if max_steps else steps


def optimizer_for(
    network: nn.Module,
    head: nn.Module,
    *,
    encoder_lr: float,
    head_lr: float,
    weight_decay: float,
    warmup: float,
    steps: int,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with one learning rate for the pretrained encoder and one for the new head.

    Frozen parameters (an encoder under LoRA keeps only its adapters trainable) are left out.

    Args:
        network: The whole network.
        head: Its newly initialised part.
        encoder_lr: Learning rate of every parameter outside ``head``.
        head_lr: Learning rate of ``head``.
        weight_decay: AdamW weight decay.
        warmup: Share of ``steps`` with a rising learning rate (linear decay after).
        steps: Steps of the run.

    """
    head_ids = {id(parameter) for parameter in head.parameters()}
    trainable = [p for p in network.parameters() if p.requires_grad and id(p) not in head_ids]
    optimizer = torch.optim.AdamW(
        [{"params": trainable, "lr": encoder_lr}, {"params": list(head.parameters()), "lr": head_lr}],
        weight_decay=weight_decay,
    )
    return optimizer, get_linear_schedule_with_warmup(optimizer, int(warmup * steps), steps)


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


class EarlyStopping:
    """Keeps the weights of the best validation score; says when to stop.

    Args:
        patience: Epochs without a better score before stopping.

    """

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = -math.inf
        self.stale = 0
        self._state: dict[str, torch.Tensor] | None = None

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience}, best={self.best:.4f}, stale={self.stale})"

    def update(self, score: float, network: nn.Module) -> bool:
        """Record an epoch's validation score; True when training should stop."""
        if score > self.best:
            self.best, self.stale = score, 0
            self._state = {name: tensor.detach().clone() for name, tensor in network.state_dict().items()}
        else:
            self.stale += 1
        return self.stale > self.patience

    def restore(self, network: nn.Module) -> None:
        """Load the best weights back into ``network`` (left as it is if no epoch was recorded)."""
        if self._state is not None:
            network.load_state_dict(self._state)
        network.eval()

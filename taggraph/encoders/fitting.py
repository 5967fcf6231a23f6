"""What every training loop shares: seeding, and early stopping that keeps the best weights."""

import math
import random

import numpy as np
import torch
from torch import nn


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed Python, NumPy and torch.

    Args:
        seed: The seed.
        deterministic: Also ask torch for deterministic kernels (warning where it has none).

    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)


class EarlyStopping:
    """Keeps the weights of the best validation score; says when to stop.

    Args:
        patience: Validations in a row without a better score before training stops.

    """

    def __init__(self, patience: int) -> None:
        if patience < 1:
            raise ValueError("patience is at least 1")
        self.patience = patience
        self.best = -math.inf
        self.stale = 0
        self._state: dict[str, torch.Tensor] | None = None

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience}, best={self.best:.4f}, stale={self.stale})"

    def update(self, score: float, network: nn.Module) -> bool:
        """Record a validation score; True when training should stop.

        A better score than every earlier one keeps a copy of ``network``'s weights.
        """
        if score > self.best:
            self.best, self.stale = score, 0
            self._state = {name: tensor.detach().clone() for name, tensor in network.state_dict().items()}
        else:
            self.stale += 1
        return self.stale >= self.patience

    def restore(self, network: nn.Module) -> None:
        """Load the best weights back into ``network`` (left as it is if no score was recorded)."""
        if self._state is not None:
            network.load_state_dict(self._state)
        network.eval()

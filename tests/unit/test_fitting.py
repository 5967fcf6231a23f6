"""Early stopping and seeding: the one implementation every training loop uses."""

import random

import numpy as np
import pytest
import torch
from torch import nn

from taggraph.encoders.fitting import EarlyStopping, seed_everything


def test_stops_after_patience_validations_without_a_better_score() -> None:
    layer = nn.Linear(2, 1)
    stopping = EarlyStopping(patience=2)
    decisions = [stopping.update(score, layer) for score in (0.5, 0.7, 0.6, 0.7)]
    assert decisions == [False, False, False, True]
    assert stopping.best == 0.7 and stopping.stale == 2


def test_restores_the_weights_of_the_best_score() -> None:
    layer = nn.Linear(2, 1)
    stopping = EarlyStopping(patience=3)
    with torch.no_grad():
        layer.weight.fill_(1.0)
        stopping.update(0.9, layer)
        layer.weight.fill_(2.0)
        stopping.update(0.1, layer)
    layer.train()
    stopping.restore(layer)
    assert torch.equal(layer.weight, torch.ones_like(layer.weight))
    assert not layer.training


def test_restore_without_a_score_leaves_the_weights() -> None:
    layer = nn.Linear(2, 1)
    before = layer.weight.detach().clone()
    EarlyStopping(patience=1).restore(layer)
    assert torch.equal(layer.weight, before)


def test_patience_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def test_the_same_seed_gives_the_same_draws() -> None:
    def draws() -> tuple[float, float, float]:
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    seed_everything(7)
    first = draws()
    seed_everything(7)
    assert draws() == first
    seed_everything(8)
    assert draws() != first

"""`auto` precision: bf16 autocast only on a CPU that has the flags and times it faster."""

import math

import pytest
import torch

from taggraph.encoders import precision
from taggraph.encoders.precision import bf16_is_fast, cpu_bf16_speedup, use_bf16

CPU = torch.device("cpu")


def never_timed() -> float:
    raise AssertionError("the bf16 timing ran on a CPU without bf16 instructions")


def test_a_cpu_without_bf16_flags_is_fp32_without_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2", "fma"})
    monkeypatch.setattr(precision, "cpu_bf16_speedup", never_timed)

    assert not bf16_is_fast(CPU)
    assert not use_bf16("auto", CPU)


@pytest.mark.parametrize(("speedup", "chosen"), [(0.53, False), (1.1, False), (1.2, True), (2.5, True)])
def test_a_cpu_with_the_flags_takes_bf16_only_when_it_times_faster(
    monkeypatch: pytest.MonkeyPatch, speedup: float, chosen: bool
) -> None:
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2", "avx512_bf16"})
    monkeypatch.setattr(precision, "cpu_bf16_speedup", lambda: speedup)

    assert bf16_is_fast(CPU) is chosen
    assert use_bf16("auto", CPU) is chosen


def test_an_explicit_precision_is_taken_as_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "cpu_bf16_speedup", never_timed)

    assert use_bf16("bf16", CPU)
    assert not use_bf16("fp32", CPU)


def test_the_timing_runs_here_and_is_measured_once() -> None:
    first = cpu_bf16_speedup()

    assert math.isfinite(first) and first > 0
    assert cpu_bf16_speedup() == first

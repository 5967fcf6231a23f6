"""Which reduced precision the hardware runs faster than fp32; chosen, never assumed."""

import functools
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import torch

BF16_MIN_SPEEDUP = 1.2
"""How many times faster than fp32 bf16 autocast must time on the CPU to be chosen."""


def cpu_flags() -> set[str]:
    """The CPU feature flags of this machine (empty where /proc/cpuinfo is unavailable)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def bf16_is_fast(device: torch.device) -> bool:
    """Whether bf16 autocast beats fp32 on ``device``.

    True on a CUDA device with bf16 support. On a CPU, False without AMX or AVX-512 BF16 (on
    AVX2 alone bf16 autocast is emulated and several times slower); with them, True only if a
    linear layer of a small encoder's size times :data:`BF16_MIN_SPEEDUP` times faster under
    bf16 autocast (some machines that report AVX-512 BF16 run it slower than fp32).
    """
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    return bool({"amx_bf16", "avx512_bf16"} & cpu_flags()) and cpu_bf16_speedup() >= BF16_MIN_SPEEDUP


@functools.cache
def cpu_bf16_speedup(repeats: int = 5) -> float:
    """fp32 time over bf16-autocast time of a ``[2048, 384] x [384, 1536]`` linear layer on the CPU.

    The shape is a MiniLM feed-forward layer over 64 texts of 32 tokens, where an encoder spends
    most of its time. Each precision's best of ``repeats`` runs counts; measured once per process
    (0.2 s or so on two cores).
    """
    layer = torch.nn.Linear(384, 1536)
    batch = torch.randn(2048, 384)

    def best_seconds(bf16: bool) -> float:
        times = []
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for _ in range(repeats + 1):  # the first run warms up
                started = time.perf_counter()
                layer(batch)
                times.append(time.perf_counter() - started)
        return min(times[1:])

    return best_seconds(bf16=False) / best_seconds(bf16=True)


def use_bf16(precision: str, device: torch.device) -> bool:
    """Whether inference at the asked precision runs under bf16 autocast on ``device``.

    Args:
        precision: ``auto`` (bf16 where :func:`bf16_is_fast`, fp32 elsewhere), ``fp32`` or ``bf16``.
        device: Where the model runs.

    """
    if precision == "auto":
        return bf16_is_fast(device)
    return precision == "bf16"


def bf16_autocast(device: torch.device, enabled: bool) -> AbstractContextManager[object]:
    """bf16 autocast on ``device`` when ``enabled``; a context that changes nothing otherwise."""
    return torch.autocast(device.type, dtype=torch.bfloat16) if enabled else nullcontext()

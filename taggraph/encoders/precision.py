"""Which reduced precision the hardware runs faster than fp32; chosen, never assumed."""

from pathlib import Path

import torch


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
    """Whether bf16 autocast is expected to beat fp32 on ``device``.

    True on a CUDA device with bf16 support, or a CPU with AMX or AVX-512 BF16; False on a
    CPU with only AVX2, where bf16 autocast is emulated and several times slower.
    """
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    return bool({"amx_bf16", "avx512_bf16"} & cpu_flags())


def use_bf16(precision: str, device: torch.device) -> bool:
    """Whether inference at the asked precision runs under bf16 autocast on ``device``.

    Args:
        precision: ``auto`` (bf16 where :func:`bf16_is_fast`, fp32 elsewhere), ``fp32`` or ``bf16``.
        device: Where the model runs.

    """
    if precision == "auto":
        return bf16_is_fast(device)
    return precision == "bf16"

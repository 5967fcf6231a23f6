"""Text models exported to ONNX, run by ONNX Runtime, cached by their weights and checked against them.

An ONNX Runtime forward pass is one call that releases Python's interpreter lock until it
returns, where a PyTorch eager forward pass releases and takes it back at every operator. In a
service whose event loop is busy answering other requests that matters more than raw speed: a
batch of 16 product names through MiniLM took 43 ms alone and 1,614 ms beside a busy Python
thread in PyTorch, 36 ms and 71 ms in ONNX Runtime (``bench/api.py`` measures it on the machine
at hand).
"""

import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import onnxruntime
import torch

from taggraph.errors import ModelArtifactError

log = logging.getLogger(__name__)

TOLERANCE = 1e-4
"""Largest absolute difference between an exported model's outputs and its PyTorch weights'."""


def export_module(
    module: torch.nn.Module, example: Sequence[torch.Tensor], input_names: Sequence[str], path: Path
) -> Path:
    """Write ``module`` as ONNX with dynamic batch and length axes on every input.

    Args:
        module: Takes the inputs in ``input_names`` order and returns one ``[batch, ...]`` tensor.
        example: One example of each input, ``[batch, length]``.
        input_names: The inputs' names.
        path: The ``.onnx`` file to write.

    Returns:
        ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {0: "batch", 1: "length"}
    with warnings.catch_warnings():  # the exporter's notes on tracing; each export is checked on outputs
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            tuple(example),
            str(path),
            input_names=list(input_names),
            output_names=["output"],
            dynamic_axes={**{name: axes for name in input_names}, "output": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    return path


def session(model: Path, threads: int) -> onnxruntime.InferenceSession:
    """A CPU session of ``model`` whose idle threads sleep instead of spinning.

    Args:
        model: The ``.onnx`` file.
        threads: Intra-op threads (0: ONNX Runtime's default, one per core).
    """
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def cached_export(
    cache_dir: Path,
    key: str,
    export: Callable[[Path], Path],
    difference: Callable[[Path], float],
    tolerance: float = TOLERANCE,
) -> Path:
    """An exported model from the cache, exported once when missing or when it no longer agrees.

    Several processes may ask at once: each export is written beside its place and moved in.

    Args:
        cache_dir: Folder of exported models.
        key: Names the model and its weights (a hash of them), so other weights miss the cache.
        export: Writes the model to the path it is given and returns it.
        difference: Largest absolute difference between the file's outputs and the weights'.
        tolerance: Largest difference accepted.

    Returns:
        The checked ``.onnx`` file.

    Raises:
        ModelArtifactError: If the cache cannot be written or a fresh export still disagrees.
    """
    path = cache_dir / f"{key}.onnx"
    if path.is_file():
        try:
            found = difference(path)
        except Exception as error:  # noqa: BLE001 - any unreadable file is exported again
            found, reason = float("inf"), str(error)
        else:
            reason = f"its outputs differ by {found:.2g}"
        if found <= tolerance:
            return path
        log.warning("exporting %s again: %s", path, reason)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{key}.", suffix=".onnx", dir=cache_dir)
    except OSError as error:
        raise ModelArtifactError(f"cannot write the ONNX export {path}: {error}") from error
    os.close(handle)
    temporary = Path(name)
    try:
        export(temporary)
        found = difference(temporary)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ModelArtifactError(f"cannot write the ONNX export {path}: {error}") from error
    except Exception as error:  # noqa: BLE001 - the exporter fails in many ways, each "not exportable"
        temporary.unlink(missing_ok=True)
        raise ModelArtifactError(f"{key} cannot be exported to ONNX: {error}") from error
    if found > tolerance:
        temporary.unlink(missing_ok=True)
        raise ModelArtifactError(f"the ONNX export of {key} differs from its weights by {found:.2g}")
    os.replace(temporary, path)
    return path

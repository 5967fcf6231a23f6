"""A tagger served by ONNX Runtime: the same network exported to ONNX, fp32 or int8."""

from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from taggraph.encoders.artifacts import WEIGHTS, sha256_of
from taggraph.encoders.onnx_export import cached_export, export_module, session
from taggraph.encoders.tagger.tagger import Tagger

INPUTS = ("input_ids", "attention_mask")
PROBES = (
    "Men Navy Blue Slim Fit Checked Casual Shirt",
    "x",
    "Women Red Printed Kurta with Palazzos and Dupatta, cotton, machine wash " * 12,
    "Kurta für Damen — 100% Baumwolle",
)
"""Texts an fp32 export is checked on: short, one character, longer than the tagger reads, not ASCII."""


def export_onnx(tagger: Tagger, path: Path, int8: bool = False) -> Path:
    """Write the tagger's network as ONNX (dynamic batch and length), optionally int8-quantized.

    Args:
        tagger: A trained tagger.
        path: The ``.onnx`` file to write.
        int8: Quantize the weights of linear layers to int8 (dynamic activation scales).

    Returns:
        ``path``.
    """
    example = tagger.tokenizer(["an example product title"], return_tensors="pt")
    fp32 = path.with_suffix(".fp32.onnx") if int8 else path
    export_module(tagger.network, [example[name] for name in INPUTS], INPUTS, fp32)
    if int8:
        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
        fp32.unlink()
    return path


class OnnxTagger(Tagger):
    """A :class:`Tagger` whose network runs in an ONNX Runtime session on the CPU.

    Args:
        tagger: The tagger whose tokenizer, labels and thresholds are kept.
        model: The ``.onnx`` file exported from its network.
        threads: Intra-op threads of the session.
    """

    def __init__(self, tagger: Tagger, model: Path, threads: int = 0) -> None:
        super().__init__(
            tagger.network, tagger.tokenizer, tagger.space, tagger.thresholds, tagger.max_length, tagger.meta
        )
        self.session = session(model, threads)

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Label logits from the ONNX session; shapes as :meth:`Tagger.logits`."""
        feed = {
            "input_ids": input_ids.numpy().astype(np.int64),
            "attention_mask": attention_mask.numpy().astype(np.int64),
        }
        return torch.from_numpy(self.session.run(None, feed)[0])


def onnx_tagger(tagger: Tagger, folder: Path, cache_dir: Path, threads: int = 1) -> OnnxTagger:
    """The tagger saved in ``folder`` in ONNX Runtime (fp32), exported once into ``cache_dir``.

    The export is keyed by a hash of the folder's weights and checked against them on
    :data:`PROBES` every time it is loaded.

    Raises:
        ModelArtifactError: If the export cannot be written or does not give the same scores.
    """
    precision, tagger.autocast_bf16 = tagger.autocast_bf16, False  # the export is checked at fp32
    try:
        reference = tagger.predict_proba(PROBES)
    finally:
        tagger.autocast_bf16 = precision

    def difference(model: Path) -> float:
        return float(np.abs(OnnxTagger(tagger, model, threads=1).predict_proba(PROBES) - reference).max())

    key = f"tagger-{folder.name}-{sha256_of(folder / WEIGHTS)[:16]}"
    model = cached_export(cache_dir, key, lambda path: export_onnx(tagger, path), difference)
    return OnnxTagger(tagger, model, threads)

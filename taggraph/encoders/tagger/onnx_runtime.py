"""A tagger served by ONNX Runtime: the same network exported to ONNX, fp32 or int8."""

from pathlib import Path

import numpy as np
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from taggraph.encoders.tagger.tagger import Tagger

INPUTS = ("input_ids", "attention_mask")


def export_onnx(tagger: Tagger, path: Path, int8: bool = False) -> Path:
    """Write the tagger's network as ONNX (dynamic batch and length), optionally int8-quantized.

    Args:
        tagger: A trained tagger.
        path: The ``.onnx`` file to write.
        int8: Quantize the weights of linear layers to int8 (dynamic activation scales).

    Returns:
        ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    example = tagger.tokenizer(["an example product title"], return_tensors="pt")
    fp32 = path.with_suffix(".fp32.onnx") if int8 else path
    axes = {0: "batch", 1: "length"}
    torch.onnx.export(
        tagger.network.eval(),
        (example["input_ids"], example["attention_mask"]),
        str(fp32),
        input_names=list(INPUTS),
        output_names=["logits"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
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
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Label logits from the ONNX session; shapes as :meth:`Tagger.logits`."""
        feed = {
            "input_ids": input_ids.numpy().astype(np.int64),
            "attention_mask": attention_mask.numpy().astype(np.int64),
        }
        return torch.from_numpy(self.session.run(["logits"], feed)[0])

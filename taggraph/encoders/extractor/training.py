"""Fine-tuning the span extractor: BIO cross-entropy, early stopping, a calibrated threshold."""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from transformers import AutoTokenizer, BatchEncoding

from taggraph.encoders.extractor.attributes import (
    AttributeExample,
    attribute_names,
    category_attributes,
    value_spans,
)
from taggraph.encoders.extractor.extractor import (
    BEGIN,
    INSIDE,
    OUTSIDE,
    ExtractorNetwork,
    SpanExtractor,
    encode_pairs,
    text_token_mask,
)
from taggraph.encoders.extractor.metrics import extraction_scores
from taggraph.encoders.fine_tuning import (
    EpochReport,
    FineTuningConfig,
    StepCallback,
    fine_tune,
    optimizer_for,
    total_steps,
)
from taggraph.encoders.fitting import seed_everything
from taggraph.encoders.precision import bf16_autocast, bf16_is_fast

IGNORED = -100
THRESHOLDS = tuple(np.round(np.arange(0.05, 0.96, 0.05), 2))


@dataclass(frozen=True)
class ExtractorConfig(FineTuningConfig):
    """Hyperparameters of an extractor fine-tuning run (see :class:`FineTuningConfig`).

    ``max_length`` bounds the tokenised ``(category, text)`` pair; ``head_lr`` is the BIO head's;
    ``patience`` counts epochs without a better validation F1.
    """

    epochs: int = 20
    batch_size: int = 16
    encoder_lr: float = 8e-5
    head_lr: float = 2e-3
    max_length: int = 96
    patience: int = 4


def bio_targets(
    encoding: BatchEncoding, examples: Sequence[AttributeExample], column: dict[str, int]
) -> torch.Tensor:
    """``[batch, seq, attributes]`` BIO targets; ``IGNORED`` off the text and for unasked attributes.

    An asked attribute with no value is all ``O``; with values, the first occurrence of each
    value in the text is labelled (values that do not occur teach ``O`` only).
    """
    offsets = encoding["offset_mapping"].numpy()
    in_text = text_token_mask(encoding)
    targets = np.full((*offsets.shape[:2], len(column)), IGNORED, dtype=np.int64)
    for row, example in enumerate(examples):
        for attribute, values in example.values.items():
            if attribute not in column:
                continue
            labels = np.where(in_text[row], OUTSIDE, IGNORED)
            for value in values:
                for start, end in value_spans(example.text, value)[:1]:
                    covered = in_text[row] & (offsets[row, :, 0] < end) & (offsets[row, :, 1] > start)
                    positions = np.flatnonzero(covered)
                    if len(positions):
                        labels[positions[0]] = BEGIN
                        labels[positions[1:]] = INSIDE
            targets[row, :, column[attribute]] = labels
    return torch.from_numpy(targets)


def calibrate_threshold(
    extractor: SpanExtractor, examples: Sequence[AttributeExample]
) -> tuple[float, float]:
    """The start threshold with the best F1 on ``examples``, and that F1."""
    texts, categories = [e.text for e in examples], [e.category for e in examples]
    asked = [e.attributes for e in examples]
    best = (0.5, -1.0)
    for threshold in THRESHOLDS:
        f1 = float(extraction_scores(examples, extractor.extract(texts, categories, asked, threshold))["f1"])
        if f1 > best[1]:
            best = (float(threshold), f1)
    return best


def train_extractor(
    encoder: str,
    train: Sequence[AttributeExample],
    validation: Sequence[AttributeExample],
    config: ExtractorConfig,
    on_step: StepCallback | None = None,
    device: torch.device | None = None,
) -> tuple[SpanExtractor, list[EpochReport]]:
    """Fine-tune ``encoder`` to extract the attributes of ``train``.

    Args:
        encoder: Local directory of the pretrained encoder and its (fast) tokenizer.
        train: Training examples.
        validation: Validation examples (early stopping and the threshold).
        config: Hyperparameters.
        on_step: Called with (step, total steps, loss, examples/s) after each step.
        device: Where to train; CUDA when available, else CPU.

    Returns:
        The extractor of the best epoch with its calibrated threshold, and the epoch reports.

    Raises:
        ValueError: If there are no training or no validation examples.

    """
    if not train or not validation:
        raise ValueError("training needs both training and validation examples")
    seed_everything(config.seed)
    device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(encoder)
    attributes = attribute_names(train)
    column = {name: i for i, name in enumerate(attributes)}
    network = ExtractorNetwork.from_pretrained(encoder, len(attributes), config.dropout).to(device)
    steps = total_steps(len(train), config)
    optimizer, scheduler = optimizer_for(network, network.head, config, steps)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    autocast = bf16_autocast(device, bf16_is_fast(device))
    extractor = SpanExtractor(
        network, tokenizer, attributes, category_attributes(train), 0.5, config.max_length
    )
    loss_function = torch.nn.CrossEntropyLoss(ignore_index=IGNORED)
    generator = np.random.default_rng(config.seed)

    def batch_loss(batch: np.ndarray) -> torch.Tensor:
        examples = [train[i] for i in batch]
        encoding = encode_pairs(
            tokenizer, [e.category for e in examples], [e.text for e in examples], config.max_length
        )
        targets = bio_targets(encoding, examples, column).to(device)
        inputs = {key: value.to(device) for key, value in encoding.items() if key != "offset_mapping"}
        with autocast:
            logits = network(**inputs)
        return loss_function(logits.float().reshape(-1, 3), targets.reshape(-1))

    def validate() -> float:
        predictions = extractor.extract(
            [e.text for e in validation], [e.category for e in validation], [e.attributes for e in validation]
        )
        return float(extraction_scores(validation, predictions)["f1"])

    reports = fine_tune(
        network,
        optimizer,
        scheduler,
        batches=lambda: np.array_split(generator.permutation(len(train)), steps_per_epoch),
        batch_loss=batch_loss,
        validate=validate,
        epochs=config.epochs,
        steps=steps,
        patience=config.patience,
        on_step=on_step,
    )
    extractor.threshold, _ = calibrate_threshold(extractor, validation)
    extractor.meta.update({"encoder": encoder, "training": asdict(config)})
    return extractor, reports

"""Fine-tuning the span extractor: BIO cross-entropy, early stopping, a calibrated threshold."""

import math
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass

import numpy as np
import torch
from transformers import AutoTokenizer, BatchEncoding

from taggraph.encoders.fine_tuning import EarlyStopping, optimizer_for, step, total_steps
from taggraph.encoders.precision import bf16_is_fast
from taggraph.encoders.tagger.attributes import (
    AttributeExample,
    attribute_names,
    category_attributes,
    value_spans,
)
from taggraph.encoders.tagger.extraction_metrics import extraction_scores
from taggraph.encoders.tagger.extractor import (
    BEGIN,
    INSIDE,
    OUTSIDE,
    ExtractorNetwork,
    SpanExtractor,
    encode_pairs,
    text_token_mask,
)
from taggraph.encoders.tagger.training import StepCallback, seed_everything

IGNORED = -100
THRESHOLDS = tuple(np.round(np.arange(0.05, 0.96, 0.05), 2))


@dataclass(frozen=True)
class ExtractorConfig:
    """Hyperparameters of an extractor fine-tuning run.

    Attributes:
        epochs: Most passes over the training data.
        batch_size: Examples per step.
        encoder_lr: Learning rate of the encoder.
        head_lr: Learning rate of the BIO head.
        weight_decay: AdamW weight decay.
        warmup: Share of steps with a rising learning rate.
        max_length: Longest tokenised ``(category, text)`` pair.
        patience: Epochs without a better validation F1 before stopping.
        dropout: Dropout before the head.
        seed: Seed of every random choice.
        max_steps: Stop after this many steps (0: no limit); for smoke runs.

    """

    epochs: int = 20
    batch_size: int = 16
    encoder_lr: float = 8e-5
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_length: int = 96
    patience: int = 3
    dropout: float = 0.1
    seed: int = 13
    max_steps: int = 0


@dataclass
class ExtractorEpoch:
    """What one epoch did."""

    epoch: int
    loss: float
    validation_f1: float
    examples_per_s: float
    seconds: float


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
) -> tuple[SpanExtractor, list[ExtractorEpoch]]:
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
    steps = total_steps(len(train), config.batch_size, config.epochs, config.max_steps)
    optimizer, scheduler = optimizer_for(
        network,
        network.head,
        encoder_lr=config.encoder_lr,
        head_lr=config.head_lr,
        weight_decay=config.weight_decay,
        warmup=config.warmup,
        steps=steps,
    )
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16_is_fast(device) else nullcontext()
    extractor = SpanExtractor(
        network, tokenizer, attributes, category_attributes(train), 0.5, config.max_length
    )
    loss_function = torch.nn.CrossEntropyLoss(ignore_index=IGNORED)
    generator = np.random.default_rng(config.seed)
    stopping, reports, done = EarlyStopping(config.patience), [], 0
    for epoch in range(1, config.epochs + 1):
        network.train()
        started, seen, running = time.perf_counter(), 0, 0.0
        for batch in np.array_split(generator.permutation(len(train)), steps_per_epoch):
            examples = [train[i] for i in batch]
            encoding = encode_pairs(
                tokenizer, [e.category for e in examples], [e.text for e in examples], config.max_length
            )
            targets = bio_targets(encoding, examples, column).to(device)
            inputs = {key: value.to(device) for key, value in encoding.items() if key != "offset_mapping"}
            with autocast:
                logits = network(**inputs)
            loss = loss_function(logits.float().reshape(-1, 3), targets.reshape(-1))
            step_loss = step(loss, network, optimizer, scheduler)
            done += 1
            seen += len(batch)
            running += step_loss
            if on_step is not None:
                on_step(done, steps, step_loss, seen / (time.perf_counter() - started))
            if done >= steps:
                break
        network.eval()
        predictions = extractor.extract(
            [e.text for e in validation], [e.category for e in validation], [e.attributes for e in validation]
        )
        f1 = float(extraction_scores(validation, predictions)["f1"])
        seconds = time.perf_counter() - started
        reports.append(
            ExtractorEpoch(
                epoch, running / max(1, math.ceil(seen / config.batch_size)), f1, seen / seconds, seconds
            )
        )
        if stopping.update(f1, network) or done >= steps:
            break
    stopping.restore(network)
    extractor.threshold, _ = calibrate_threshold(extractor, validation)
    extractor.meta.update({"encoder": encoder, "training": asdict(config)})
    return extractor, reports

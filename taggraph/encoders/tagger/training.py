"""Fine-tuning: per-kind cross-entropy, early stopping, thresholds calibrated on validation."""

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from taggraph.encoders.fine_tuning import (
    EpochReport,
    FineTuningConfig,
    StepCallback,
    fine_tune,
    merged,
    optimizer_for,
    total_steps,
    with_lora,
)
from taggraph.encoders.fitting import seed_everything
from taggraph.encoders.precision import bf16_autocast, bf16_is_fast
from taggraph.encoders.tagger.batching import length_grouped_batches, length_sorted_batches, padded_rows
from taggraph.encoders.tagger.decoding import calibrate_thresholds, decode
from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.encoders.tagger.lexical import LexicalHead
from taggraph.encoders.tagger.lexical_training import (
    FrozenSplit,
    LexicalConfig,
    LexicalReport,
    fit_lexical_head,
)
from taggraph.encoders.tagger.metrics import micro_f1
from taggraph.encoders.tagger.network import TaggerNetwork
from taggraph.encoders.tagger.objective import kind_groups, kind_loss, output_width, with_unlisted
from taggraph.encoders.tagger.tagger import Tagger


@dataclass(frozen=True)
class TrainingConfig(FineTuningConfig):
    """Hyperparameters of a tagger fine-tuning run (the shared ones: :class:`FineTuningConfig`).

    ``head_lr`` is low, since the linear probe has already fit the head; ``patience`` counts
    epochs without a better validation micro-F1.

    Attributes:
        negative_weight: Weight of the penalty on a label a person rejected.
        lora_rank: Train low-rank adapters of this rank instead of the whole encoder (0: off);
            for encoders too large to fine-tune whole. They are merged into the saved weights.
        linear_probe: Fit the head to the frozen encoder's embeddings before fine-tuning
            (LP-FT), so fine-tuning starts from a head that already separates the labels.
        probe_steps: Most L-BFGS iterations of that fit.
        lexical_head: After fine-tuning, fit a lexical head (a weight per word piece and
            output) to the frozen network's logits, kept if it raises validation micro-F1.
        lexical: Hyperparameters of that fit.

    """

    negative_weight: float = 3.0
    lora_rank: int = 0
    linear_probe: bool = True
    probe_steps: int = 200
    lexical_head: bool = True
    lexical: LexicalConfig = field(default_factory=LexicalConfig)


@torch.no_grad()
def frozen_embeddings(
    network: TaggerNetwork,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    max_length: int,
    batch_size: int = 128,
) -> torch.Tensor:
    """``[len(texts), hidden]`` pooled encoder states, in eval mode, in input order."""
    network.eval()
    device = next(network.parameters()).device
    autocast = bf16_autocast(device, bf16_is_fast(device))
    out = torch.zeros(len(texts), network.head.in_features, device=device)
    for index, encoded in length_sorted_batches(tokenizer, texts, batch_size, max_length, device):
        with autocast:
            pooled = network.embed(encoded["input_ids"], encoded["attention_mask"])
        out[torch.from_numpy(index).to(device)] = pooled.float()
    return out


def fit_linear_probe(
    network: TaggerNetwork,
    embeddings: torch.Tensor,
    truth: np.ndarray,
    negatives: np.ndarray,
    groups: list[torch.Tensor],
    config: TrainingConfig,
) -> float:
    """Fit ``network.head`` to frozen ``[n, hidden]`` embeddings with the training loss (L-BFGS).

    The weights carry an L2 penalty of ``0.5 * |W|^2 / n`` (logistic regression with C = 1).

    Returns:
        The loss the fit ends at.

    """
    head, device = network.head, embeddings.device
    target = torch.from_numpy(truth.astype(np.float32)).to(device)
    rejected = torch.from_numpy(negatives.astype(np.float32)).to(device)
    penalty = 0.5 / max(len(embeddings), 1)
    optimizer = torch.optim.LBFGS(
        head.parameters(), lr=1.0, max_iter=config.probe_steps, line_search_fn="strong_wolfe"
    )

    def objective() -> torch.Tensor:
        loss = kind_loss(head(embeddings), target, rejected, groups, config.negative_weight)
        return loss + penalty * head.weight.pow(2).sum()

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = objective()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        return float(objective())


def train_tagger(
    encoder: str,
    space: LabelSpace,
    train_texts: Sequence[str],
    train_truth: np.ndarray,
    train_negatives: np.ndarray,
    validation_texts: Sequence[str],
    validation_truth: np.ndarray,
    config: TrainingConfig,
    on_step: StepCallback | None = None,
    device: torch.device | None = None,
    train_unlisted: np.ndarray | None = None,
) -> tuple[Tagger, list[EpochReport]]:
    """Fine-tune ``encoder`` as a multi-label tagger over ``space``.

    Args:
        encoder: Local directory of the pretrained encoder and its tokenizer.
        space: Labels; column ``j`` of the matrices is ``space.labels[j]``.
        train_texts: Training texts.
        train_truth: ``[n_train, L]`` 1 where a label is a known positive.
        train_negatives: ``[n_train, L]`` 1 where a person rejected the label.
        validation_texts: Validation texts (early stopping and thresholds).
        validation_truth: ``[n_val, L]`` validation labels.
        config: Hyperparameters.
        on_step: Called with (step, total steps, loss, examples/s) after each step.
        device: Where to train; CUDA when available, else CPU.
        train_unlisted: ``[n_train, K]`` 1 where a product's known value of a kind is outside
            ``space`` (the kind's unlisted output is then its target); all 0 when None.

    Returns:
        The tagger of the best epoch, with calibrated thresholds, and the epoch reports.

    """
    seed_everything(config.seed)
    device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(encoder)
    network = TaggerNetwork.from_pretrained(encoder, output_width(space), config.dropout).to(device)
    if config.lora_rank:
        network.encoder = with_lora(network.encoder, config.lora_rank)
    steps = total_steps(len(train_texts), config)
    optimizer, scheduler = optimizer_for(network, network.head, config, steps)
    groups = kind_groups(space, device)
    if train_unlisted is None:
        train_unlisted = np.zeros((len(train_texts), len(space.kinds)), dtype=np.int8)
    train_truth = with_unlisted(train_truth, train_unlisted)
    train_negatives = with_unlisted(train_negatives, np.zeros_like(train_unlisted))
    if config.linear_probe:
        embeddings = frozen_embeddings(network, tokenizer, train_texts, config.max_length)
        fit_linear_probe(network, embeddings, train_truth, train_negatives, groups, config)
        del embeddings
    autocast = bf16_autocast(device, bf16_is_fast(device))
    tagger = Tagger(network, tokenizer, space, np.full(len(space), 0.5), config.max_length)
    generator = np.random.default_rng(config.seed)
    encoded_train = tokenizer(list(train_texts), truncation=True, max_length=config.max_length)
    lengths = np.array([len(ids) for ids in encoded_train["input_ids"]])

    def batch_loss(batch: np.ndarray) -> torch.Tensor:
        encoded = padded_rows(tokenizer, encoded_train, batch).to(device)
        target = torch.from_numpy(train_truth[batch].astype(np.float32)).to(device)
        rejected = torch.from_numpy(train_negatives[batch].astype(np.float32)).to(device)
        with autocast:
            logits = network(encoded["input_ids"], encoded["attention_mask"])
        return kind_loss(logits.float(), target, rejected, groups, config.negative_weight)

    def validate() -> float:
        scores = tagger.predict_proba(validation_texts)
        return micro_f1(validation_truth, decode(scores, np.full(len(space), 0.5), space))

    reports = fine_tune(
        network,
        optimizer,
        scheduler,
        batches=lambda: length_grouped_batches(lengths, config.batch_size, generator),
        batch_loss=batch_loss,
        validate=validate,
        epochs=config.epochs,
        steps=steps,
        patience=config.patience,
        on_step=on_step,
    )
    network.encoder = merged(network.encoder)
    tagger.meta.update({"encoder": encoder, "training": asdict(config)})
    if config.lexical_head:
        validation = FrozenSplit(
            tokenizer(list(validation_texts), truncation=True, max_length=config.max_length),
            frozen_logits(network, tokenizer, validation_texts, config.max_length),
            validation_truth,
        )
        train = FrozenSplit(
            encoded_train,
            frozen_logits(network, tokenizer, train_texts, config.max_length),
            train_truth,
            train_negatives,
        )
        report = add_lexical_head(network, tokenizer, train, validation, space, config, generator)
        tagger.meta["lexical"] = asdict(report)
    scores = tagger.predict_proba(validation_texts)
    tagger.thresholds = calibrate_thresholds(scores, validation_truth, space)
    return tagger, reports


def frozen_logits(
    network: TaggerNetwork, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int
) -> torch.Tensor:
    """``[len(texts), L + K]`` logits of the encoder and its linear head, in eval mode, in order."""
    with torch.no_grad():
        return network.head(frozen_embeddings(network, tokenizer, texts, max_length))


def add_lexical_head(
    network: TaggerNetwork,
    tokenizer: PreTrainedTokenizerBase,
    train: FrozenSplit,
    validation: FrozenSplit,
    space: LabelSpace,
    config: TrainingConfig,
    generator: np.random.Generator,
) -> LexicalReport:
    """Fit a lexical head over the training texts' word pieces; give it to ``network`` if it helps.

    Args:
        network: The fine-tuned network (frozen here).
        tokenizer: Its tokenizer.
        train: Training texts' encodings, frozen logits, targets and rejected labels.
        validation: Validation texts' encodings, frozen logits and labels.
        space: Labels.
        config: Hyperparameters (``config.lexical``).
        generator: Source of the batch shuffles.

    Returns:
        The fit's report; ``network.lexical`` is set only when an epoch beat the network alone.

    """
    device = train.logits.device
    head = LexicalHead.covering(
        itertools.chain.from_iterable(train.encoded["input_ids"]),
        len(tokenizer),
        output_width(space),
        tokenizer.all_special_ids,
    ).to(device)
    groups = kind_groups(space, device)
    report = fit_lexical_head(head, tokenizer, train, validation, space, groups, config.lexical, generator)
    if report.best_epoch:
        network.lexical = head.eval()
    return report

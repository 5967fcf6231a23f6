"""Train a tagger on one source's products as the graph holds them."""

from collections.abc import Sequence
from datetime import UTC, datetime

from taggraph.core.labelled_products import read_labelled_products
from taggraph.core.vocabulary import TaggerJob, vocabulary
from taggraph.encoders.fine_tuning import EpochReport, StepCallback
from taggraph.encoders.pretrained import resolve_encoder
from taggraph.encoders.tagger.labels import label_kind
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.encoders.tagger.training import TrainingConfig, train_tagger
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.tagging.dataset import dataset_hash, label_matrix, unlisted_matrix
from taggraph.jobs.tagging.evaluation import Splits, split_products


def load_splits(executor: GraphExecutor, job: TaggerJob) -> Splits:
    """Read the job's products from the graph and split them; the vocabulary comes from train.

    Raises:
        InputError: If the source has no products, a split is empty, or no label reaches the
            minimum support.
    """
    products = [
        product
        for page in read_labelled_products(
            executor, job.source, job.with_description, reviewed=job.include_reviewed
        )
        for product in page
        if product.text
    ]
    if not products:
        raise InputError(f"the graph has no products of source {job.source!r} with text")
    space = vocabulary(products, job)
    if len(space) == 0:
        raise InputError(
            f"no label of kinds {', '.join(job.kinds) or 'any'} has {job.min_support} training products"
        )
    missing = set(job.kinds) - {label_kind(label) for label in space.labels}
    if missing:
        raise InputError(f"no label of kind(s) {', '.join(sorted(missing))} reaches the minimum support")
    splits = split_products(products, space)
    empty = [name for name in ("train", "validation", "test") if not getattr(splits, name)]
    if empty:
        raise InputError(
            f"{len(products)} products of {job.source!r} leave the {' and '.join(empty)} split(s) empty "
            "(70/10/20 by a hash of the id); ingest more products"
        )
    return splits


def train_job(
    splits: Splits, job: TaggerJob, config: TrainingConfig, on_step: StepCallback | None = None
) -> tuple[Tagger, Sequence[EpochReport]]:
    """Fine-tune on the train split; early stopping and thresholds use the validation split.

    A training product whose value of a kind is outside the vocabulary teaches that kind's
    unlisted output; one with no value of a kind teaches nothing about it.
    """
    tagger, reports = train_tagger(
        resolve_encoder(job.encoder),
        splits.space,
        splits.texts("train"),
        splits.truth("train"),
        label_matrix(splits.train, splits.space, negatives=True),
        splits.texts("validation"),
        splits.truth("validation"),
        config,
        on_step=on_step,
        train_unlisted=unlisted_matrix(splits.train, splits.space),
    )
    tagger.meta.update(
        {
            "source": job.source,
            "kinds": list(splits.space.kinds),
            "with_description": job.with_description,
            "min_support": job.min_support,
            "include_reviewed": job.include_reviewed,
            "data_hash": dataset_hash(splits.train + splits.validation),
            "train_products": len(splits.train),
            "run_id": f"tagger-{job.source}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}",
        }
    )
    return tagger, reports

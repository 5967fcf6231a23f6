"""A tiny encoder made from a catalog's titles, and a tiny Myntra tagger trained on the graph."""

import csv
from pathlib import Path

from taggraph.core.vocabulary import TaggerJob
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.encoders.tagger.training import TrainingConfig
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.tagging.training import load_splits, train_job
from tests.support.tiny_encoder import make_tiny_encoder


def tiny_encoder_for(catalog: Path, folder: Path) -> Path:
    """A tiny encoder whose vocabulary comes from the Myntra CSV ``catalog``'s titles."""
    with catalog.open(encoding="utf-8") as handle:
        titles = [row["productDisplayName"] for row in csv.DictReader(handle)]
    return make_tiny_encoder(folder, titles)


def train_tiny_tagger(executor: GraphExecutor, encoder: Path) -> Tagger:
    """Two epochs on the graph's Myntra products: article type, colour and gender."""
    job = TaggerJob("myntra", ("article_type", "colour", "gender"), min_support=3, encoder=str(encoder))
    config = TrainingConfig(epochs=2, batch_size=32, encoder_lr=1e-3, head_lr=1e-2, max_length=24)
    model, _ = train_job(load_splits(executor, job), job, config)
    return model

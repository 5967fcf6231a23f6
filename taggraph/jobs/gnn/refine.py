"""Refined tag scores: a GNN over the product graph beside the text tagger, fused, evaluated, written."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import torch

from taggraph.core.vocabulary import TaggerJob, check_vocabulary, tag_ids
from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.gnn.fusion import Fusion
from taggraph.encoders.gnn.model import GraphModel
from taggraph.encoders.gnn.training import GNNConfig, train_link_model
from taggraph.encoders.tagger.decoding import calibrate_thresholds, decode
from taggraph.encoders.tagger.metrics import mean_average_precision
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.errors import ModelArtifactError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.export import read_snapshot
from taggraph.jobs.gnn.dataset import LabelTask, label_task, node_features
from taggraph.jobs.runs import record_run
from taggraph.jobs.tagging.evaluation import Splits, calibrated_metrics
from taggraph.jobs.tagging.training import load_splits

SOURCE = "fused"


@dataclass
class RefinerReport:
    """What training the refiner measured on the test split.

    Attributes:
        metrics: ``tagger``, ``gnn``, ``fused`` -> test metrics (thresholds from validation).
        fusion: The fitted combination.
        seconds: Training time of the GNN.
        epochs: Epochs run.

    """

    metrics: dict[str, dict[str, Any]]
    fusion: Fusion
    seconds: float
    epochs: int


def _task(
    executor: GraphExecutor, tagger: Tagger, embedder: TextEmbedder, positives: dict[str, set[str]]
) -> LabelTask:
    job = TaggerJob.of_model(tagger.meta)
    snapshot = read_snapshot(executor, [job.source])
    features = node_features(snapshot, embedder.embed, job.with_description)
    labels = list(tagger.space.labels)
    label_features = embedder.embed([label.replace(":", ": ", 1) for label in labels])
    return label_task(snapshot, features, labels, label_features, positives)


def _rows(task: LabelTask, products: list[Any]) -> torch.Tensor:
    return torch.tensor([task.products[product.id] for product in products], dtype=torch.int64)


def train_refiner(
    executor: GraphExecutor,
    tagger: Tagger,
    embedder: TextEmbedder,
    config: GNNConfig,
    on_epoch: Callable[[int, float], None] | None = None,
) -> tuple[GraphModel, RefinerReport]:
    """Train the GNN on the tagger's labels and split, fit the fusion on validation, score test.

    The GNN learns from training products' labels only; validation and test products are seen
    through their text and neighbourhood. Early stopping (validation mAP), the fusion and every
    threshold use validation products; the test split is scored once, for the report.

    Args:
        executor: The graph.
        tagger: A trained tagger; its source, text and labels define the task.
        embedder: The pretrained encoder for node features.
        config: GNN settings.
        on_epoch: Called with each epoch's loss.

    Raises:
        ModelArtifactError: If the graph's vocabulary no longer matches the tagger.

    """
    job = check_vocabulary(executor, tagger)
    splits: Splits = load_splits(executor, job)
    task = _task(executor, tagger, embedder, {p.id: set(p.positives) for p in splits.train})
    validation_rows, test_rows = _rows(task, splits.validation), _rows(task, splits.test)
    validation_truth = splits.truth("validation")

    def validate(model: Any) -> float:
        return mean_average_precision(validation_truth, model.scores(task.graph, validation_rows).numpy())

    started = time.perf_counter()
    trained = train_link_model(task.graph, config, validate, on_epoch)
    seconds = time.perf_counter() - started
    embeddings = trained.embed(task.graph)
    gnn = {
        "validation": trained.scores(task.graph, validation_rows, embeddings).numpy(),
        "test": trained.scores(task.graph, test_rows, embeddings).numpy(),
    }
    text = {name: tagger.predict_proba(splits.texts(name)) for name in ("validation", "test")}
    fusion = Fusion.fit(text["validation"], gnn["validation"], validation_truth, config.seed)
    fused = {name: fusion(text[name], gnn[name]) for name in ("validation", "test")}
    metrics = {
        name: calibrated_metrics(splits, scores["validation"], scores["test"], 0.0)
        for name, scores in (("tagger", text), ("gnn", gnn), ("fused", fused))
    }
    thresholds = calibrate_thresholds(fused["validation"], validation_truth, splits.space)
    meta = {
        "source": job.source,
        "labels": task.labels,
        "with_description": job.with_description,
        "tagger_weights_sha256": tagger.meta.get("weights_sha256"),
        "fusion": vars(fusion),
        "thresholds": thresholds.round(4).tolist(),
        "metrics": metrics,
        "run_id": f"gnn-{job.source}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}",
    }
    model = GraphModel(trained, config, GraphModel.shape_of(task.graph), meta)
    record_run(
        executor,
        meta["run_id"],
        "gnn-training",
        status="finished",
        source=job.source,
        epochs=len(trained.history),
        micro_f1_fused=metrics["fused"]["micro_f1"],
        micro_f1_tagger=metrics["tagger"]["micro_f1"],
    )
    return model, RefinerReport(
        metrics, fusion, seconds, int(trained.history[-1]["epoch"]) if trained.history else 0
    )


def run_refine(
    executor: GraphExecutor, model: GraphModel, tagger: Tagger, embedder: TextEmbedder, page_size: int = 1000
) -> dict[str, int]:
    """Write fused proposals for every product of the model's source.

    The GNN sees every product's labels here (nothing is held out), the fusion and thresholds
    are the ones fit at training. Edges go in as ``HAS_TAG {source: 'fused', status:
    'proposed'}`` under the tagger's rules: each product's earlier fused proposals are replaced,
    and an edge already there (catalog, human, another model) is left as it is.

    Returns:
        Counts: ``products`` scored, ``proposed`` edges written.

    Raises:
        ModelArtifactError: If the tagger is not the one the GNN was fused with, or the graph
            changed shape.

    """
    if model.meta.get("tagger_weights_sha256") != tagger.meta.get("weights_sha256"):
        raise ModelArtifactError(
            "the GNN was trained beside another tagger: pass that tagger, or retrain the GNN"
        )
    job = check_vocabulary(executor, tagger)
    splits = load_splits(executor, job)
    products = [p for name in ("train", "validation", "test") for p in getattr(splits, name)]
    task = _task(executor, tagger, embedder, {p.id: set(p.positives) for p in products})
    model.check(task.graph)
    fusion = Fusion(**model.meta["fusion"])
    thresholds = np.asarray(model.meta["thresholds"])
    labels_to_tags = tag_ids(executor, tagger)
    embeddings = model.trained.embed(task.graph)
    run_id = f"refine-{job.source}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    proposed = 0
    for start in range(0, len(products), page_size):
        page = products[start : start + page_size]
        gnn = model.trained.scores(task.graph, _rows(task, page), embeddings).numpy()
        text = tagger.predict_proba([p.text for p in page])
        fused = fusion(text, gnn)
        decided = decode(fused, thresholds, tagger.space)
        rows = [
            {
                "product_id": product.id,
                "tags": [
                    {
                        "tag_id": labels_to_tags[label],
                        "score": round(float(fused[row, column]), 6),
                        "text_score": round(float(text[row, column]), 6),
                        "graph_score": round(float(gnn[row, column]), 6),
                    }
                    for column, label in enumerate(tagger.space.labels)
                    if decided[row, column] and label in labels_to_tags
                ],
            }
            for row, product in enumerate(page)
        ]
        result = executor.write(
            "write/tagger_proposals", rows=rows, source=SOURCE, model=model.meta["run_id"]
        )
        proposed += int(result[0]["proposed"]) if result else 0
    record_run(
        executor,
        run_id,
        "refine",
        status="finished",
        model=model.meta["run_id"],
        products=len(products),
        proposed=proposed,
    )
    return {"products": len(products), "proposed": proposed}

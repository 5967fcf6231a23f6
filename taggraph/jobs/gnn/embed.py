"""Graph embeddings of products and tags from a GNN trained to predict product-tag links.

They are written to Neo4j (with vector indexes) and to parquet and npz files.
"""

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.gnn.model import GraphModel
from taggraph.encoders.gnn.training import GNNConfig, GraphTensors, TrainedLinkModel, train_link_model
from taggraph.encoders.tagger.metrics import mean_average_precision
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.export import HAS_TAG, GraphSnapshot, read_snapshot
from taggraph.jobs.gnn.dataset import FACT, node_features
from taggraph.jobs.runs import record_run

VALIDATION_SHARE = 20  # one product in 20 (by a hash of its id) validates


@dataclass
class EmbedReport:
    """What an embedding run wrote.

    Attributes:
        run_id: The ModelRun id, also on every embedded node (``embedding_run``).
        products: Products embedded.
        tags: Tags embedded.
        dimension: Embedding width.
        trained: Whether a model was trained (False: a saved one was used).
        files: The parquet and npz files.

    """

    run_id: str
    products: int
    tags: int
    dimension: int
    trained: bool
    files: list[Path]


def _validation_products(ids: list[str]) -> np.ndarray:
    return np.array([int(hashlib.sha1(i.encode()).hexdigest(), 16) % VALIDATION_SHARE == 0 for i in ids])


def tag_link_graph(
    snapshot: GraphSnapshot, features: dict[str, torch.Tensor]
) -> tuple[GraphTensors, np.ndarray]:
    """Tensors whose target is every approved product-tag link, all other edges as context.

    Returns:
        The tensors (links of validation products left out) and the ``[P]`` validation mask.

    """
    table = snapshot.edges[HAS_TAG]
    if not len(table):
        raise InputError("the graph has no tag edges to learn embeddings from; ingest a catalog first")
    validation = _validation_products(snapshot.ids["product"])
    facts = np.array([status == FACT for status in table.properties["status"]], dtype=bool)
    links = table.edge_index[:, facts & ~validation[table.source]]
    edges = {
        edge_type: torch.from_numpy(t.edge_index)
        for edge_type, t in snapshot.edges.items()
        if edge_type != HAS_TAG and len(t) and edge_type[0] in features and edge_type[2] in features
    }
    graph = GraphTensors(
        x=features,
        in_dims={t: None if x.dim() == 1 else int(x.shape[1]) for t, x in features.items()},
        edges=edges,
        target=HAS_TAG,
        links=torch.from_numpy(np.ascontiguousarray(links)),
    )
    return graph, validation


def run_embed(
    executor: GraphExecutor,
    embedder: TextEmbedder,
    config: GNNConfig,
    out: Path,
    model_path: Path,
    retrain: bool = False,
    batch_size: int = 1000,
    on_epoch: Callable[[int, float], None] | None = None,
) -> EmbedReport:
    """Train (or load) the embedding GNN, write embeddings to the graph and to ``out``.

    Args:
        executor: The graph.
        embedder: Pretrained encoder for node features.
        config: GNN settings (the seed makes a re-run give the same vectors).
        out: Folder of ``embeddings.parquet`` and ``embeddings.npz``.
        model_path: Where the model is saved, or loaded from when present and not ``retrain``.
        retrain: Train even when a model is saved.
        batch_size: Nodes per write transaction.
        on_epoch: Called with each training epoch and its mean loss.

    Raises:
        ModelArtifactError: If a saved model does not fit the graph as it is now.
        InputError: If the graph has nothing to learn from or ``out`` cannot be written.

    """
    _prepare(out)
    snapshot = read_snapshot(executor)
    graph, validation = tag_link_graph(snapshot, node_features(snapshot, embedder.embed, True))
    trained = not (model_path / "gnn.json").exists() or retrain
    if trained:
        model = _train(snapshot, graph, validation, config, on_epoch)
        model.save(model_path)
    else:
        model = GraphModel.load(model_path)
        model.check(graph)
    embeddings = model.trained.embed(graph)
    products, tags = embeddings["product"].numpy(), embeddings["tag"].numpy()
    created_at = datetime.now(UTC)
    run_id = f"embed-{created_at.strftime('%Y%m%dT%H%M%S%f')}"
    dimension = int(products.shape[1])
    _write(executor, "product", snapshot.ids["product"], products, run_id, batch_size)
    _write(executor, "tag", snapshot.ids["tag"], tags, run_id, batch_size)
    files = _files(out, snapshot, products, tags, run_id, created_at)
    record_run(
        executor,
        run_id,
        "embedding",
        status="finished",
        model=str(model.meta.get("run_id")),
        products=len(products),
        tags=len(tags),
        dimension=dimension,
        seed=config.seed,
    )
    return EmbedReport(run_id, len(products), len(tags), dimension, trained, files)


def _train(
    snapshot: GraphSnapshot,
    graph: GraphTensors,
    validation: np.ndarray,
    config: GNNConfig,
    on_epoch: Callable[[int, float], None] | None,
) -> GraphModel:
    table = snapshot.edges[HAS_TAG]
    facts = np.array([status == FACT for status in table.properties["status"]], dtype=bool)
    rows = np.flatnonzero(validation)
    truth = np.zeros((len(rows), len(snapshot.ids["tag"])), dtype=np.int8)
    position = {int(product): row for row, product in enumerate(rows)}
    for source, target in table.edge_index[:, facts & validation[table.source]].T:
        truth[position[int(source)], target] = 1
    sources = torch.from_numpy(rows)

    def validate(model: TrainedLinkModel) -> float:
        return mean_average_precision(truth, model.scores(graph, sources).numpy()) if len(rows) else 0.0

    trained = train_link_model(graph, GNNConfig(**{**vars(config), "holdout": "edges"}), validate, on_epoch)
    run_id = f"gnn-embed-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
    return GraphModel(
        trained, config, GraphModel.shape_of(graph), {"run_id": run_id, "task": "product-tag links"}
    )


def _write(
    executor: GraphExecutor, node_type: str, ids: list[str], vectors: np.ndarray, run: str, size: int
) -> None:
    statement, index, drop = (
        ("write/product_embeddings", "admin/product_vector_index", "admin/drop_product_vector_index")
        if node_type == "product"
        else ("write/tag_embeddings", "admin/tag_vector_index", "admin/drop_tag_vector_index")
    )
    name = f"{node_type}_embedding"
    existing = {row["name"]: row["dimensions"] for row in executor.read("read/vector_index_dimensions")}
    if name in existing and existing[name] != vectors.shape[1]:
        executor.write(drop)
    for start in range(0, len(ids), size):
        rows = [
            {"id": i, "embedding": v.tolist()}
            for i, v in zip(ids[start : start + size], vectors[start : start + size], strict=True)
        ]
        executor.write(statement, rows=rows, run=run)
    executor.write(index, dimensions=int(vectors.shape[1]))
    executor.write("admin/await_indexes")


def _prepare(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot write the embeddings to {out}: {error.strerror or error}") from error


def _files(
    out: Path,
    snapshot: GraphSnapshot,
    products: np.ndarray,
    tags: np.ndarray,
    run_id: str,
    created_at: datetime,
) -> list[Path]:
    """Write both files next to their final names, then move them into place (all or nothing).

    Each parquet row names the run that made its vector and when, as the graph's nodes do.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    npz, parquet = out / "embeddings.npz", out / "embeddings.parquet"
    partial_npz, partial_parquet = out / "embeddings.npz.partial", out / "embeddings.parquet.partial"
    try:
        with partial_npz.open("wb") as handle:
            np.savez(
                handle,
                product_ids=np.array(snapshot.ids["product"]),
                product=products,
                tag_ids=np.array(snapshot.ids["tag"]),
                tag=tags,
            )
        table = pa.table(
            {
                "type": ["product"] * len(products) + ["tag"] * len(tags),
                "id": snapshot.ids["product"] + snapshot.ids["tag"],
                "embedding": [v.tolist() for v in products] + [v.tolist() for v in tags],
                "run_id": [run_id] * (len(products) + len(tags)),
                "created_at": pa.array([created_at] * (len(products) + len(tags)), pa.timestamp("us", "UTC")),
            }
        )
        pq.write_table(table, partial_parquet)
        os.replace(partial_npz, npz)
        os.replace(partial_parquet, parquet)
        return [parquet, npz]
    except OSError as error:
        raise InputError(f"cannot write the embeddings to {out}: {error.strerror or error}") from error
    finally:
        partial_npz.unlink(missing_ok=True)
        partial_parquet.unlink(missing_ok=True)

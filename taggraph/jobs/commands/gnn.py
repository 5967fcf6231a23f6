"""``taggraph gnn train``, ``taggraph refine`` and ``taggraph export``: the graph model and the graph out.

Model libraries are imported inside the commands, so the other commands start without them.
"""

import math
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from taggraph.core.labelled_products import split_of
from taggraph.errors import InputError
from taggraph.graph.export import read_snapshot, to_networkx, write_graphml, write_parquet
from taggraph.jobs.commands.runtime import (
    JsonOption,
    console,
    epoch_progress,
    json_mode,
    open_graph,
    print_json,
    print_table,
    rows_advancer,
    rows_progress,
    settings_of,
)
from taggraph.settings import GnnSettings

app = typer.Typer(help="Train the graph neural network that refines the tagger's scores.")
TaggerOption = Annotated[Path, typer.Option(help="The tagger model directory the GNN works beside.")]
MiniBatchOption = Annotated[
    int | None,
    typer.Option(
        "--mini-batch",
        min=0,
        max=1_000_000,
        help="Products per mini-batch step over sampled neighbourhoods; 0 trains full-graph "
        "(default: TAGGRAPH_GNN_MINI_BATCH, 0).",
    ),
]
FanoutOption = Annotated[
    list[int] | None,
    typer.Option(
        "--fanout",
        min=1,
        max=1000,
        help="Mini-batches: neighbours sampled per node and edge type, once per layer "
        "(default: TAGGRAPH_GNN_FANOUTS, 10 10).",
    ),
]


def _finite(value: float, option: str) -> float:
    """``value``, or a usage error when it is NaN (which a range check lets through)."""
    if not math.isfinite(value):
        raise typer.BadParameter("must be a finite number", param_hint=option)
    return value


def _config(settings: GnnSettings, mini_batch: int | None, fanouts: list[int] | None, **values: Any) -> Any:
    """GNN settings from the options, with mini-batching from the settings where not given."""
    from taggraph.encoders.gnn.training import GNNConfig

    fanouts = fanouts or settings.fanouts
    layers = int(values.get("layers", 2))
    if len(fanouts) < layers:
        raise typer.BadParameter(f"{len(fanouts)} fanouts for {layers} layers: give one --fanout per layer")
    batch = settings.mini_batch if mini_batch is None else mini_batch
    return GNNConfig(batch_size=batch, fanouts=list(fanouts), **values)


@app.command()
def train(
    ctx: typer.Context,
    tagger: TaggerOption,
    epochs: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
    hidden: Annotated[int, typer.Option(min=8, max=2048)] = 128,
    layers: Annotated[int, typer.Option(min=1, max=6)] = 2,
    lr: Annotated[float, typer.Option(min=1e-6, max=1.0)] = 1e-2,
    seed: Annotated[int, typer.Option()] = 0,
    mini_batch: MiniBatchOption = None,
    fanout: FanoutOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Model directory (default: <models-dir>/gnn/<source>).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train the GNN on the tagger's labels over the product graph; fit the fused score.

    Products are split as the tagger's were; test products' tags are hidden from the graph. The
    table compares the tagger alone, the GNN alone and the fused score on the test split.
    """
    from taggraph.core.vocabulary import TaggerJob
    from taggraph.encoders.artifacts import check_writable
    from taggraph.encoders.embedder import TextEmbedder
    from taggraph.encoders.tagger.tagger import Tagger
    from taggraph.jobs.gnn.refine import train_refiner

    json_mode(as_json)
    settings = settings_of(ctx)
    text_tagger = Tagger.load(tagger)
    source = TaggerJob.of_model(text_tagger.meta).source
    target = check_writable(out or settings.models_dir / "gnn" / source, "GNN model")
    config = _config(
        settings.gnn,
        mini_batch,
        fanout,
        hidden=hidden,
        layers=layers,
        epochs=epochs,
        lr=_finite(lr, "--lr"),
        seed=seed,
    )
    with open_graph(settings.neo4j) as executor, epoch_progress("train", epochs) as on_epoch:
        model, report = train_refiner(executor, text_tagger, TextEmbedder(settings.encoder), config, on_epoch)
    model.save(target)
    keys = ("micro_f1", "macro_f1", "p_at_1", "map")
    rows = [(name, *(metrics[key] for key in keys)) for name, metrics in report.metrics.items()]
    print_table(("scores", "micro-F1", "macro-F1", "P@1", "mAP"), rows, title="test split")
    fusion = report.fusion
    if as_json:
        print_json(
            {
                "model": str(target),
                "metrics": report.metrics,
                "fusion": vars(fusion),
                "epochs": report.epochs,
                "seconds": report.seconds,
            }
        )
    console.print(
        f"fused = sigmoid({fusion.tagger_weight:.2f} logit(tagger) + {fusion.gnn_weight:.2f} logit(gnn) "
        f"+ {fusion.bias:.2f}); {report.epochs} epochs in {report.seconds:.0f} s; saved to {target}"
    )


@app.command()
def recommender(
    ctx: typer.Context,
    source: Annotated[
        list[str] | None,
        typer.Option(help="Product source whose products are ranked. Repeat; all when absent."),
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, max=1000)] = 30,
    hidden: Annotated[int, typer.Option(min=8, max=1024)] = 64,
    layers: Annotated[int, typer.Option(min=1, max=6)] = 2,
    recent: Annotated[int, typer.Option(min=1, max=100, help="Latest items a user is asked about by.")] = 5,
    lr: Annotated[float, typer.Option(min=1e-6, max=1.0)] = 2e-3,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Next-item positions per step.")] = 1024,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Model directory (default: <models-dir>/recommender).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train the next-item graph model the API ranks a user's recommendations with.

    Users, products and their tags are propagated over the interaction graph; a user is asked
    about by their latest products. Each user's last interaction is held out for early stopping
    (NDCG@10) and the printed HR@10 / NDCG@10 (over every product they have not taken).
    """
    from taggraph.encoders.artifacts import check_writable
    from taggraph.encoders.gnn.next_item import NextItemConfig
    from taggraph.jobs.gnn.recommender import train_recommender

    json_mode(as_json)
    settings = settings_of(ctx)
    target = check_writable(out or settings.models_dir / "recommender", "recommender")
    config = NextItemConfig(
        hidden=hidden,
        layers=layers,
        recent=recent,
        epochs=epochs,
        batch_size=batch_size,
        lr=_finite(lr, "--lr"),
        seed=seed,
    )
    with open_graph(settings.neo4j) as executor, epoch_progress("train", epochs) as on_epoch:
        ranker, report = train_recommender(executor, config, source or None, on_epoch=on_epoch)
    ranker.save(target)
    if as_json:
        print_json({**asdict(report), "model": str(target)})
        return
    console.print(
        f"run {report.run_id}: {report.items:,} products, {report.users:,} users; held-out last "
        f"interaction of {report.validation_users:,}: HR@10 {report.hit_rate:.4f}, NDCG@10 "
        f"{report.ndcg:.4f}; {report.epochs} epochs in {report.seconds:.0f} s; saved to {target}"
    )


@app.command()
def refine(
    ctx: typer.Context,
    tagger: TaggerOption,
    model: Annotated[
        Path | None, typer.Option(help="GNN model directory (default: <models-dir>/gnn/<source>).")
    ] = None,
    page_size: Annotated[int, typer.Option(min=1, max=100_000, help="Products per transaction.")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Write fused proposals, HAS_TAG {source: 'fused', status: 'proposed'}, for the source's products.

    Human decisions and catalog edges are never changed; earlier fused proposals are replaced.
    """
    from taggraph.encoders.embedder import TextEmbedder
    from taggraph.encoders.gnn.model import GraphModel
    from taggraph.encoders.tagger.tagger import Tagger
    from taggraph.jobs.gnn.refine import run_refine

    json_mode(as_json)
    settings = settings_of(ctx)
    text_tagger = Tagger.load(tagger)
    text_tagger.set_precision(settings.tagger.precision)
    graph_model = GraphModel.load(model or settings.models_dir / "gnn" / str(text_tagger.meta.get("source")))
    with open_graph(settings.neo4j) as executor:
        counts = run_refine(executor, graph_model, text_tagger, TextEmbedder(settings.encoder), page_size)
    if as_json:
        print_json(counts)
        return
    console.print(f"{counts['products']:,} products scored, {counts['proposed']:,} fused proposals written")


def embed(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Folder of embeddings.parquet and embeddings.npz.")] = Path(
        "embeddings"
    ),
    model: Annotated[
        Path | None, typer.Option(help="Embedding GNN directory (default: <models-dir>/gnn/embed).")
    ] = None,
    retrain: Annotated[bool, typer.Option(help="Train even when a saved model fits the graph.")] = False,
    epochs: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
    hidden: Annotated[int, typer.Option(min=8, max=2048)] = 128,
    seed: Annotated[int, typer.Option()] = 0,
    mini_batch: MiniBatchOption = None,
    fanout: FanoutOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Nodes per write transaction.")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Write GNN embeddings of every product and tag to Neo4j and to files.

    Nodes get the property `embedding` (vector indexes `product_embedding`, `tag_embedding`);
    the same seed and graph give the same vectors.
    """
    from taggraph.encoders.artifacts import check_writable
    from taggraph.encoders.embedder import TextEmbedder
    from taggraph.jobs.gnn.embed import run_embed

    json_mode(as_json)
    settings = settings_of(ctx)
    config = _config(settings.gnn, mini_batch, fanout, hidden=hidden, epochs=epochs, seed=seed)
    with open_graph(settings.neo4j) as executor, epoch_progress("embed", epochs) as on_epoch:
        report = run_embed(
            executor,
            TextEmbedder(settings.encoder),
            config,
            out,
            check_writable(model or settings.models_dir / "gnn" / "embed", "GNN model"),
            retrain,
            batch_size,
            on_epoch,
        )
    if as_json:
        print_json(asdict(report))
        return
    how = "trained" if report.trained else "loaded"
    console.print(
        f"run {report.run_id}: {report.products:,} products and {report.tags:,} tags embedded "
        f"({report.dimension}-d, model {how}); {', '.join(str(path) for path in report.files)}"
    )


class ExportFormat(StrEnum):
    """What ``taggraph export`` writes."""

    PYG = "pyg"
    NETWORKX = "networkx"
    PARQUET = "parquet"


def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="Folder to write into.")],
    output: Annotated[
        ExportFormat, typer.Option("--format", help="pyg, networkx or parquet.")
    ] = ExportFormat.PARQUET,
    source: Annotated[
        list[str] | None, typer.Option(help="Product source to keep. Repeat; all when absent.")
    ] = None,
    splits: Annotated[
        bool, typer.Option("--splits", help="Mark each product's train/validation/test split.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Export the graph with stable integer ids (id order per node type) and no raw user id.

    Every property of every edge is kept (tag provenance, interaction times and weights).
    pyg: graph.pt (a HeteroData with text features, edge_attr and, with --splits, product
    masks) and ids.json; networkx: graph.graphml; parquet: nodes.parquet and edges.parquet.
    """
    json_mode(as_json)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot write the export to {out}: {error.strerror or error}") from error
    with open_graph(settings_of(ctx).neo4j) as executor, rows_progress() as progress:
        snapshot = read_snapshot(executor, source or None, on_rows=rows_advancer(progress, "read the graph"))
    product_splits = [split_of(product) for product in snapshot.ids["product"]] if splits else None
    try:
        if output is ExportFormat.PARQUET:
            written = write_parquet(snapshot, out, product_splits)
        elif output is ExportFormat.NETWORKX:
            written = [write_graphml(to_networkx(snapshot, product_splits), out / "graph.graphml")]
        else:
            from taggraph.encoders.embedder import TextEmbedder
            from taggraph.jobs.gnn.dataset import write_pyg

            written = write_pyg(snapshot, TextEmbedder(settings_of(ctx).encoder), out, product_splits)
    except OSError as error:
        raise InputError(f"cannot write the export to {out}: {error.strerror or error}") from error
    if as_json:
        print_json({"files": [str(path) for path in written], "counts": snapshot.counts()})
        return
    counts = ", ".join(f"{count:,} {name}" for name, count in snapshot.counts().items())
    console.print(f"exported {counts} to {', '.join(str(path) for path in written)}")

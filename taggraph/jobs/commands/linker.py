"""``taggraph linker build`` and ``taggraph link``: the entity index and linking generated tags.

The encoder and FAISS are imported inside the commands, so the other commands start without them.
"""

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from taggraph.jobs.commands.runtime import JsonOption, console, json_mode, open_graph, print_json, settings_of

app = typer.Typer(help="The FAISS index over graph entities that generated tags link to.")

IndexOption = Annotated[Path | None, typer.Option(help="Index folder (default: <models-dir>/linker).")]


@app.command()
def build(
    ctx: typer.Context,
    index: IndexOption = None,
    full: Annotated[bool, typer.Option(help="Rebuild from scratch instead of adding new entities.")] = False,
    tune: Annotated[
        Path | None,
        typer.Option(
            help='Labelled queries to fit the threshold on: JSON Lines {"surface", "kind", "entity_id"}.'
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Index the graph's active tags, brands and categories (and their aliases) for linking.

    An existing index gets the new entities added; it is rebuilt when entities it holds changed
    or left the graph, or with --full.
    """
    from taggraph.encoders.embedder import TextEmbedder
    from taggraph.jobs.linking.build import build_linker, read_labelled_queries

    json_mode(as_json)
    settings = settings_of(ctx)
    labelled = (
        read_labelled_queries(tune, settings.rejects_dir / "linker-tuning.rejects.jsonl") if tune else None
    )
    with open_graph(settings.neo4j) as executor:
        embedder = TextEmbedder(settings.encoder)
        report = build_linker(
            executor,
            embedder,
            index or settings.models_dir / "linker",
            full=full,
            labelled=labelled,
            exact_max=settings.linker.exact_max,
        )
    if as_json:
        print_json(asdict(report))
        return
    how = f"rebuilt ({report.rebuilt})" if report.rebuilt else f"updated: {report.added:,} entities added"
    console.print(f"linker index at {report.path}: {report.entities:,} entities, {report.index_type}, {how}")
    console.print(f"link threshold {report.threshold:.3f}, fit on {report.tuned_on}; {report.seconds:.1f} s")


def link(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Generated tags (JSON Lines), such as `taggraph extract` writes.")
    ],
    index: IndexOption = None,
    page_size: Annotated[
        int | None, typer.Option(min=1, max=100_000, help="Products per transaction.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Link generated tags to graph entities; what links to nothing becomes a candidate tag.

    Writes HAS_TAG (or HAS_BRAND) {source: 'extractor', status: 'proposed', score, surface},
    replacing the extractor's earlier proposals for those products; approved, rejected and
    catalog edges are never changed. Rows that cannot be taken go to
    <rejects-dir>/<file name>.rejects.jsonl.
    """
    from taggraph.core.entities import read_entities
    from taggraph.encoders.embedder import TextEmbedder
    from taggraph.jobs.linking.run import run_linking
    from taggraph.linker.entities import vocabulary_version
    from taggraph.linker.linker import Linker

    json_mode(as_json)
    settings = settings_of(ctx)
    with open_graph(settings.neo4j) as executor:
        embedder = TextEmbedder(settings.encoder)
        version = vocabulary_version(read_entities(executor))
        linker = Linker.load(index or settings.models_dir / "linker", embedder, version)
        with Progress(
            TextColumn("[bold]link"),
            TextColumn("{task.completed:,} products"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("link")
            report = run_linking(
                executor,
                linker,
                file,
                settings.rejects_dir / f"{file.stem}.rejects.jsonl",
                settings.state_dir,
                page_size=page_size or settings.page_size,
                on_page=lambda count: progress.advance(task, count),
            )
    if as_json:
        print_json(asdict(report))
        return
    if report.resumed_after:
        console.print(f"resumed after {report.resumed_after:,} products")
    rejected = sum(report.rejected.values())
    console.print(
        f"run {report.run_id}: {report.rows:,} rows = {report.accepted:,} accepted + {rejected:,} rejected"
    )
    methods = ", ".join(f"{count:,} {method}" for method, count in sorted(report.methods.items()))
    console.print(f"decided by: {methods or 'nothing'}")
    console.print(
        f"{report.proposals:,} proposals written, {report.candidates:,} candidate tags created or updated"
    )
    for reason, count in report.rejected.most_common():
        console.print(f"rejected {count:,}: {reason}")

"""``taggraph ingest SOURCE PATH``: a catalog file into the graph, bad rows into a rejects file."""

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from taggraph.core.identity import load_pseudonymiser
from taggraph.errors import InputError
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.commands.runtime import (
    JsonOption,
    console,
    json_mode,
    open_graph,
    print_json,
    print_table,
    settings_of,
)
from taggraph.jobs.ingest.run import IngestReport, run_ingest
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.registry import SOURCES, build_source


def ingest(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help=f"One of: {', '.join(SOURCES)}.")],
    path: Annotated[Path, typer.Argument(help="Input file (a folder for instacart).")],
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="csv/jsonl only: field=column, or tag:<kind>=column. Repeat."),
    ] = None,
    source_name: Annotated[
        str | None, typer.Option(help="csv/jsonl only: id prefix (default: the file stem).")
    ] = None,
    category_separator: Annotated[
        str, typer.Option(help="csv/jsonl only: separator of category levels.")
    ] = ">",
    batch_size: Annotated[
        int | None, typer.Option(min=1, max=100_000, help="Rows per write transaction.")
    ] = None,
    rejects_dir: Annotated[
        Path | None, typer.Option(help="Folder of the rejects file (default: TAGGRAPH_REJECTS_DIR).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest a catalog: products, categories, brands, catalog tags and interactions.

    Re-running changes nothing; an interrupted run resumes. Rows that cannot be taken go to
    <rejects-dir>/<source>.rejects.jsonl with their row number and reason.
    """
    json_mode(as_json)
    settings = settings_of(ctx)
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    if not path.exists():
        raise InputError(f"no such file or folder: {path}")
    context = SourceContext.from_settings(settings.ingest, load_pseudonymiser(settings))
    reader = build_source(source, context, path, mapping, source_name, category_separator)
    reader.check(path)
    size = batch_size or settings.ingest.batch_size
    options = [*(mapping or []), category_separator]
    with open_graph(settings.neo4j) as executor:
        writer = BatchWriter(executor, size)
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.completed:,} rows"),
            TextColumn("{task.fields[rate]:,.0f} rows/s"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task(f"ingest {reader.name}", rate=0.0)

            def advance(rows: int) -> None:
                progress.advance(task, rows)
                speed = progress.tasks[task].speed
                progress.update(task, rate=speed or 0.0)

            report = run_ingest(
                reader,
                path,
                writer,
                rejects_dir or settings.rejects_dir,
                settings.state_dir,
                size,
                options,
                on_rows=advance,
            )
    if as_json:
        print_json(
            {
                "files": {name: vars(counts) for name, counts in report.files.items()},
                **{key: getattr(report, key) for key in ("input", "accepted", "rejected", "products")},
                **{key: getattr(report, key) for key in ("interactions", "seconds", "resumed_after")},
                "rejects_path": str(report.rejects_path) if report.rejected else None,
            }
        )
    else:
        _print_report(report)


def _print_report(report: IngestReport) -> None:
    rows = [(name, counts.input, counts.accepted, counts.rejected) for name, counts in report.files.items()]
    print_table(
        ("file", "input", "accepted", "rejected"),
        [*rows, ("all", report.input, report.accepted, report.rejected)],
    )
    if report.resumed_after:
        console.print(f"resumed: the first {report.resumed_after:,} records were already written")
    rate = report.input / report.seconds if report.seconds else 0.0
    console.print(
        f"{report.products:,} products, {report.interactions:,} interactions in "
        f"{report.seconds:.1f} s ({rate:,.0f} rows/s); "
        f"accepted {report.accepted:,} + rejected {report.rejected:,} = input {report.input:,}"
    )
    if report.rejected:
        console.print(f"rejected rows and reasons: {report.rejects_path}")

"""``taggraph ingest SOURCE PATH``: a catalog file into the graph, bad rows into a rejects file.

``taggraph load SOURCE=PATH ...``: the first load of an empty graph through the bulk importer.
"""

import os
from pathlib import Path
from typing import Annotated

import typer

from taggraph.core.identity import load_pseudonymiser
from taggraph.errors import InputError
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.commands.runtime import (
    JsonOption,
    RejectsDirOption,
    console,
    existing_input,
    json_mode,
    open_graph,
    print_json,
    print_table,
    rows_advancer,
    rows_progress,
    settings_of,
)
from taggraph.jobs.ingest.bulk import bulk_load
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
    rejects_dir: RejectsDirOption = None,
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
    existing_input(path)
    context = SourceContext.from_settings(settings.ingest, load_pseudonymiser(settings))
    reader = build_source(source, context, path, mapping, source_name, category_separator)
    reader.check(path)
    size = batch_size or settings.ingest.batch_size
    options = [*(mapping or []), category_separator]
    with open_graph(settings.neo4j) as executor:
        writer = BatchWriter(executor, size)
        with rows_progress() as progress:
            advance = rows_advancer(progress, f"ingest {reader.name}")

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


def load(
    ctx: typer.Context,
    inputs: Annotated[
        list[str], typer.Argument(help=f"SOURCE=PATH, one per source; sources: {', '.join(SOURCES)}.")
    ],
    threads: Annotated[
        int | None, typer.Option(min=1, max=256, help="Bulk importer threads (default: one per core).")
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of the importer's CSV tables (default: TAGGRAPH_STATE_DIR/import)."),
    ] = None,
    rejects_dir: RejectsDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """First load of an empty local graph through Neo4j's bulk importer, several sources at once.

    Rows are validated and rejected as `taggraph ingest` does; the local server is stopped for
    the import and started again with its schema. A database that holds anything is refused.
    """
    json_mode(as_json)
    settings = settings_of(ctx)
    context = SourceContext.from_settings(settings.ingest, load_pseudonymiser(settings))
    sources = []
    for item in inputs:
        name, separator, raw_path = item.partition("=")
        if not separator or not raw_path:
            raise InputError(f"{item!r} is not SOURCE=PATH")
        if name not in SOURCES:
            raise InputError(f"unknown source {name!r}; choose one of {', '.join(SOURCES)}")
        path = existing_input(Path(raw_path))
        reader = build_source(name, context, path)
        reader.check(path)
        sources.append((reader, path))
    if len({reader.name for reader, _ in sources}) < len(sources):
        raise InputError("each source may be given once (its rejects file is named after it)")
    with rows_progress() as progress:
        advance = rows_advancer(progress, "read and validate")
        report = bulk_load(
            settings.neo4j,
            sources,
            work_dir or settings.state_dir / "import",
            rejects_dir or settings.rejects_dir,
            threads or os.cpu_count() or 1,
            on_rows=advance,
        )
    counted = ("input", "accepted", "rejected", "products", "interactions")
    summary = {
        "sources": {
            ingest.source: {key: getattr(ingest, key) for key in counted}
            | {"rejects_path": str(ingest.rejects_path)}
            for ingest in report.ingests
        },
        **{key: getattr(report, key) for key in ("nodes", "relationships", "parse_s", "import_s", "total_s")},
    }
    if as_json:
        print_json(summary)
        return
    rows = [(ingest.source, *(getattr(ingest, key) for key in counted)) for ingest in report.ingests]
    print_table(("source", *counted), rows)
    products = sum(ingest.products for ingest in report.ingests)
    console.print(
        f"{report.nodes:,} nodes and {report.relationships:,} relationships loaded in {report.total_s:.1f} s "
        f"({products / report.total_s:,.0f} products/s; the importer itself {report.import_s:.1f} s)"
    )

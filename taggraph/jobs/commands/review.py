"""``taggraph review``: the review queue as a CSV file to decide offline, and applying it."""

import getpass
import math
import re
from pathlib import Path
from typing import Annotated

import typer

from taggraph.core.review import QueueFilters, category_exists
from taggraph.errors import InputError
from taggraph.jobs.commands.runtime import JsonOption, console, json_mode, open_graph, print_json, settings_of
from taggraph.jobs.review_csv import apply_file, export_queue

app = typer.Typer(help="Review proposed tags offline: export the queue as CSV, apply the decided file.")
NAME = re.compile(r"[A-Za-z0-9_.:@\-]{1,100}")
Score = Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Score bound (0 to 1).")]


def _checked_name(option: str, value: str | None) -> str | None:
    if value is not None and not NAME.fullmatch(value):
        raise InputError(f"--{option} takes 1-100 letters, digits or _.:@- (got {value[:40]!r})")
    return value


@app.command("export")
def export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV file to write.", dir_okay=False)],
    kind: Annotated[str | None, typer.Option(help="Only tags of this kind.")] = None,
    source: Annotated[
        str | None, typer.Option(help="Only proposals of this source (tagger, extractor).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Only proposals of this model.")] = None,
    min_score: Score = None,
    max_score: Score = None,
    catalog: Annotated[str | None, typer.Option(help="Only products of this catalog source.")] = None,
    category: Annotated[str | None, typer.Option(help="Only products in this category id or below.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="Most proposals.")] = 5000,
    as_json: JsonOption = False,
) -> None:
    """Write the queue, least confident first: one row per proposal, with an empty decision column.

    Fill the decision column with approve or reject (leave it empty to skip a row), then run
    taggraph review apply on the file.
    """
    json_mode(as_json)
    names = {"kind": kind, "source": source, "model": model, "catalog": catalog}
    kind, source, model, catalog = (_checked_name(option, value) for option, value in names.items())
    for option, score in (("min-score", min_score), ("max-score", max_score)):
        if score is not None and not math.isfinite(score):
            raise InputError(f"--{option} takes a number from 0 to 1")
    if category is not None and (not category or len(category) > 200 or re.search(r"[\x00-\x1f]", category)):
        raise InputError("--category takes a category id")
    filters = QueueFilters(kind, source, model, min_score, max_score, catalog, category)
    with open_graph(settings_of(ctx).neo4j) as executor:
        if category is not None and not category_exists(executor, category):
            raise InputError(f"no category {category[:80]!r} in the graph")
        written = export_queue(executor, filters, limit, path)
    if as_json:
        print_json({"path": str(path), "rows": written})
    else:
        console.print(f"wrote {written:,} proposals to {path}")


@app.command("apply")
def apply(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The exported CSV file with its decision column filled.")],
    reviewer: Annotated[
        str | None, typer.Option(help="Who decided, recorded on every decision (default: the OS user).")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Rejects file (default: <TAGGRAPH_REJECTS_DIR>/<file stem>.rejects.jsonl)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Decisions per transaction.")] = 500,
    as_json: JsonOption = False,
) -> None:
    """Record the file's decisions as human facts; rows that cannot be taken go to the rejects file.

    Every row is accepted (its decision is in the graph) or rejected with its reason, so
    accepted + rejected = rows. Running the same file again changes nothing.
    """
    json_mode(as_json)
    settings = settings_of(ctx)
    who = _checked_name("reviewer", reviewer if reviewer is not None else getpass.getuser())
    assert who is not None
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    rejects_path = rejects or settings.rejects_dir / f"{path.stem}.rejects.jsonl"
    with open_graph(settings.neo4j) as executor:
        report = apply_file(executor, path, who, rejects_path, batch_size)
    summary = {
        "rows": report.rows,
        "accepted": report.accepted,
        "applied": report.applied,
        "already_recorded": report.already,
        "rejected": report.rejected,
        "rejects_path": str(report.rejects_path) if report.rejected else None,
        "reviewer": who,
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{report.rows:,} rows: {report.accepted:,} accepted ({report.applied:,} recorded now, "
        f"{report.already:,} already recorded), {report.rejected:,} rejected"
        + (f" (reasons in {report.rejects_path})" if report.rejected else ""),
        soft_wrap=True,
    )

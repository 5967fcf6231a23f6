"""What commands share: the settings, the driver and executor, and console output (tables, JSON)."""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.settings import Neo4jSettings, Settings

console = Console(highlight=False, emoji=False)
errors = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings of this invocation, read from the environment once, on first use."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


@contextmanager
def open_graph(settings: Neo4jSettings) -> Iterator[GraphExecutor]:
    """Open one driver for the command, check the server answers, and close it afterwards.

    Args:
        settings: Connection settings.

    Yields:
        An executor on the configured database.

    """
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        yield executor


wide = Console(width=10_000, highlight=False, emoji=False)  # to a file or pipe: rows are never cut

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result as one JSON document, without tables or progress.")
]
RejectsDirOption = Annotated[
    Path | None, typer.Option(help="Folder of the rejects files (default: TAGGRAPH_REJECTS_DIR).")
]


def rows_progress() -> Progress:
    """A progress display of rows read and their rate (tasks from :func:`rows_advancer`)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TextColumn("{task.fields[rate]:,.0f} rows/s"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def rows_advancer(progress: Progress, description: str) -> Callable[[int], None]:
    """A new task of ``progress``, and the function that adds rows to it and updates its rate."""
    task = progress.add_task(description, rate=0.0)

    def advance(rows: int) -> None:
        progress.advance(task, rows)
        progress.update(task, rate=progress.tasks[task].speed or 0.0)

    return advance


@contextmanager
def epoch_progress(name: str, epochs: int) -> Iterator[Callable[[int, float], None]]:
    """A bar of training epochs with the latest loss; yields the ``on_epoch(epoch, loss)`` to call.

    Training stops early when validation stops improving, so the bar may end short of ``epochs``.
    """
    with Progress(
        TextColumn(f"[bold]{name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(name, total=epochs, loss=float("nan"))
        yield lambda epoch, loss: progress.update(task, completed=epoch, loss=loss)


def json_mode(enabled: bool) -> None:
    """With ``--json`` the console stays silent; the command prints one JSON document at its end."""
    console.quiet = enabled


def print_json(result: object) -> None:
    """Print ``result`` as JSON on standard output."""
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False, default=str))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[object]], title: str | None = None) -> None:
    """A table whose cells are never cut: a narrow terminal folds them, a file or pipe gets full rows.

    Floats are shown with four decimals, integers with thousands separators.
    """
    if console.quiet:
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    (console if console.is_terminal else wide).print(table)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def existing_input(path: Path) -> Path:
    """``path`` if a file or folder is there.

    Raises:
        InputError: If nothing is there, or the name cannot be a path on this file system.

    """
    try:
        present = path.exists()
    except OSError as error:  # such as a name too long
        raise InputError(f"cannot open {str(path)[:100]!r}: {error.strerror}") from error
    if not present:
        raise InputError(f"no such file or folder: {path}")
    return path

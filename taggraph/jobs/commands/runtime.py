"""What commands share: the settings, the driver and executor, and console output."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

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

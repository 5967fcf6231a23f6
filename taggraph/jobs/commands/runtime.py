"""What commands share: settings, the driver and executor, and console output."""

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.settings import Neo4jSettings

console = Console(highlight=False, emoji=False)
errors = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


@contextmanager
def open_graph(settings: Neo4jSettings | None = None) -> Iterator[GraphExecutor]:
    """Open one driver for the command, check the server answers, and close it afterwards.

    Args:
        settings: Connection settings; read from the environment when None.

    Yields:
        An executor on the configured database.

    """
    settings = settings or Neo4jSettings()
    with create_driver(settings) as driver:
        executor = GraphExecutor.from_settings(driver, settings)
        executor.verify()
        yield executor

"""The local server's life cycle on a home and ports of its own; schema and stats through the CLI."""

import socket
from pathlib import Path

import pytest

from taggraph.errors import ServerError
from taggraph.graph import server
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.reader import graph_stats
from taggraph.graph.schema import apply_schema
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.cli import main
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.settings import Neo4jSettings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def node_count(settings: Neo4jSettings) -> int:
    with create_driver(settings) as driver:
        return graph_stats(GraphExecutor.from_settings(driver, settings)).node_total


@pytest.mark.slow
def test_install_start_twice_status_stop(
    neo4j_settings: Neo4jSettings, context: SourceContext, demo_dir: Path, tmp_path: Path
) -> None:
    settings = neo4j_settings.model_copy(
        update={"home": tmp_path / "home", "bolt_port": free_port(), "http_port": free_port()}
    )
    server.install(settings)
    assert server.status(settings).running is False
    try:
        first = server.start(settings)
        assert first.running and first.bolt_answers and first.pid is not None
        assert first.version is not None and first.version.startswith("5.26")
        again = server.start(settings)
        assert again.pid == first.pid
        catalog = tmp_path / "ten.csv"
        lines = (demo_dir / "myntra_styles.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        catalog.write_text("".join(lines[:11]), encoding="utf-8")
        with create_driver(settings) as driver:
            executor = GraphExecutor.from_settings(driver, settings)
            apply_schema(executor)
            run_ingest(MyntraSource(context), catalog, BatchWriter(executor, 4), tmp_path, tmp_path, 4)
        written = node_count(settings)
        assert written > 10
        assert server.stop(settings) is True  # a quick stop keeps every committed write
        server.start(settings)
        assert node_count(settings) == written
    finally:
        assert server.stop(settings) is True
    stopped = server.status(settings)
    assert stopped.running is False and stopped.pid is None
    assert server.stop(settings) is False


def test_start_refuses_a_port_taken_by_another_process(neo4j_settings: Neo4jSettings, tmp_path: Path) -> None:
    settings = neo4j_settings.model_copy(update={"home": tmp_path / "home"})
    server.write_config(settings)
    with pytest.raises(ServerError, match="is taken by another process"):
        server.start(settings)


def test_graph_init_twice_and_stats(
    executor: object, capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    assert main(["graph", "init"]) == 0
    assert main(["graph", "init"]) == 0
    assert main(["ingest", "myntra", str(demo_dir / "myntra_styles.csv")]) == 0
    capsys.readouterr()
    assert main(["graph", "stats"]) == 0
    out = capsys.readouterr().out
    assert "Product" in out and "2,883" in out and "HAS_TAG" in out

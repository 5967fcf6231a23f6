"""The bulk importer's first load against the incremental ingest: the same graph from the same files.

The bulk load runs on a second local server (a home and ports of its own), since it stops the
server it loads; the incremental ingest runs on the test server.
"""

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from taggraph.core.identity import load_pseudonymiser
from taggraph.errors import InputError
from taggraph.graph import server
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.reader import graph_fingerprint, graph_stats
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.bulk import bulk_load
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sources.base import Source, SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from taggraph.settings import Neo4jSettings, Settings

NAMELESS_ROW = "99990001,Men,Apparel,Topwear,Tshirts,Blue,Summer,2012,Casual,"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def inputs(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Source, Path]]:
    """The demo's Myntra (with bad and repeated rows), Flipkart and Beauty files."""
    folder = tmp_path_factory.mktemp("inputs")
    myntra = folder / "myntra_styles.csv"
    lines = (demo_dir / "myntra_styles.csv").read_text().splitlines()
    myntra.write_text("\n".join([*lines, NAMELESS_ROW, lines[1]]) + "\n")  # and the first row again
    beauty = folder / "beauty.txt"
    beauty.write_text((demo_dir / "beauty.txt").read_text())
    (folder / "beauty_item2attributes.json").write_text(
        (demo_dir / "beauty_item2attributes.json").read_text()
    )
    context = SourceContext(pseudonymiser=load_pseudonymiser(Settings()))
    return [
        (MyntraSource(context), myntra),
        (FlipkartSource(context), demo_dir / "flipkart.csv"),
        (SequenceSource(context), beauty),
    ]


@pytest.fixture(scope="module")
def bulk_server(
    neo4j_settings: Neo4jSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Neo4jSettings]:
    """A second local server, installed and stopped; stopped again afterwards."""
    bolt = free_port()
    settings = neo4j_settings.model_copy(
        update={
            "home": tmp_path_factory.mktemp("bulk") / "home",
            "bolt_port": bolt,
            "http_port": free_port(),
            "uri": f"bolt://127.0.0.1:{bolt}",
        }
    )
    server.install(settings)
    try:
        yield settings
    finally:
        server.stop(settings)


@pytest.mark.slow
def test_a_bulk_load_gives_the_graph_the_incremental_ingest_gives(
    executor: GraphExecutor, inputs: list[tuple[Source, Path]], bulk_server: Neo4jSettings, tmp_path: Path
) -> None:
    for source, path in inputs:
        run_ingest(source, path, BatchWriter(executor, 500), tmp_path / "ingest", tmp_path / "state", 500)
    report = bulk_load(bulk_server, inputs, tmp_path / "tables", tmp_path / "load", threads=2)

    for ingest in report.ingests:
        assert ingest.accepted + ingest.rejected == ingest.input > 0
        incremental = (tmp_path / "ingest" / ingest.rejects_path.name).read_text()
        assert ingest.rejects_path.read_text() == incremental
    myntra = report.ingests[0]
    reasons = [json.loads(line)["reason"] for line in myntra.rejects_path.read_text().splitlines()]
    assert len(reasons) == myntra.rejected >= 2 and any(r.startswith("duplicate of row 1") for r in reasons)

    with create_driver(bulk_server) as driver:
        loaded = GraphExecutor.from_settings(driver, bulk_server)
        bulk_nodes, bulk_relationships = graph_fingerprint(loaded)
        schema, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD labelsOrTypes RETURN labelsOrTypes")
    nodes, relationships = graph_fingerprint(executor)
    assert sum(nodes.values()) > 5000 and sum(relationships.values()) > 20_000
    assert bulk_nodes == nodes
    assert bulk_relationships == relationships
    assert report.nodes == sum(nodes.values()) and report.relationships == sum(relationships.values())
    constrained = {label for record in schema for label in record["labelsOrTypes"]}
    assert {"Product", "Tag", "Category", "Brand", "User"} <= constrained  # the schema applied after


def test_a_bulk_load_refuses_a_graph_that_holds_anything(
    executor: GraphExecutor, inputs: list[tuple[Source, Path]], neo4j_settings: Neo4jSettings, tmp_path: Path
) -> None:
    source, path = inputs[1]
    run_ingest(source, path, BatchWriter(executor, 500), tmp_path / "r", tmp_path / "s", 500)
    before = graph_stats(executor)
    with pytest.raises(InputError, match="needs an empty one"):
        bulk_load(neo4j_settings, inputs, tmp_path / "tables", tmp_path / "load", threads=1)
    assert graph_stats(executor) == before  # still running, untouched
    assert not (tmp_path / "tables").exists()


def test_a_bulk_load_refuses_settings_of_another_server(
    inputs: list[tuple[Source, Path]], neo4j_settings: Neo4jSettings, tmp_path: Path
) -> None:
    elsewhere = neo4j_settings.model_copy(update={"uri": "bolt://graph.example.com:7687"})
    with pytest.raises(InputError, match="use `taggraph ingest` for another server"):
        bulk_load(elsewhere, inputs, tmp_path / "tables", tmp_path / "load", threads=1)

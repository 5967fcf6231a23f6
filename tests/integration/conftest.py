"""The real Neo4j server of the test run (started by scripts/test.sh), emptied before each test.

Tests here refuse to run against a server that scripts/test.sh did not start for them
(TAGGRAPH_TEST_NEO4J unset), so a developer's own graph is never emptied.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from taggraph.core.identity import Pseudonymiser
from taggraph.errors import Neo4jUnavailableError
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.schema import apply_schema, clear_graph
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.run import IngestReport, run_ingest
from taggraph.jobs.ingest.sources.base import Source, SourceContext
from taggraph.settings import Neo4jSettings, Settings
from tests.support.catalog import ingest_all
from tests.support.review import add_review_work


@pytest.fixture(scope="session")
def neo4j_settings() -> Neo4jSettings:
    mode = os.environ.get("TAGGRAPH_TEST_NEO4J")
    if mode is None:
        pytest.skip("integration tests run through scripts/test.sh, which starts their Neo4j")
    return Settings().neo4j


@pytest.fixture(scope="session")
def session_executor(neo4j_settings: Neo4jSettings) -> Iterator[GraphExecutor]:
    with create_driver(neo4j_settings) as driver:
        executor = GraphExecutor.from_settings(driver, neo4j_settings)
        try:
            executor.verify()
        except Neo4jUnavailableError as error:
            pytest.fail(f"the test Neo4j server is not answering: {error}")
        apply_schema(executor)
        yield executor


@pytest.fixture()
def executor(session_executor: GraphExecutor) -> GraphExecutor:
    clear_graph(session_executor)
    return session_executor


@pytest.fixture()
def context() -> SourceContext:
    return SourceContext(pseudonymiser=Pseudonymiser(b"integration-test-key-0123456789"))


@pytest.fixture()
def ingest(executor: GraphExecutor, tmp_path: Path):
    def run(source: Source, path: Path, batch_size: int = 500, **options: object) -> IngestReport:
        return run_ingest(
            source,
            path,
            BatchWriter(executor, batch_size),
            tmp_path / "rejects",
            tmp_path / "state",
            batch_size,
            **options,  # type: ignore[arg-type]
        )

    return run


@pytest.fixture(scope="module")
def catalog_graph(
    session_executor: GraphExecutor, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> GraphExecutor:
    """The graph emptied and holding 300 Myntra rows, 150 Flipkart rows and a shop's sequences."""
    clear_graph(session_executor)
    ingest_all(session_executor, demo_dir, tmp_path_factory.mktemp("catalog"))
    return session_executor


@pytest.fixture()
def review_graph(session_executor: GraphExecutor, demo_dir: Path, tmp_path: Path) -> GraphExecutor:
    """The demo graph with tagger proposals and an extractor candidate to review."""
    clear_graph(session_executor)
    ingest_all(session_executor, demo_dir, tmp_path)
    add_review_work(session_executor)
    return session_executor

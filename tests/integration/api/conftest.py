"""A small demo graph (Myntra, Flipkart, one shop's sequences), tiny models, and the app on them."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from taggraph.api.app import create_app
from taggraph.api.settings import ApiSettings
from taggraph.encoders.embedder import TextEmbedder
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.schema import clear_graph
from taggraph.graph.settings import Neo4jSettings
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.pipeline import run_ingest
from taggraph.jobs.ingest.pseudonym import load_pseudonymiser
from taggraph.jobs.ingest.sources.base import Source, SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from taggraph.jobs.linking.build import build_linker
from taggraph.jobs.settings import IngestSettings
from tests.support.catalog import first_rows
from tests.support.tagging import tiny_encoder_for, train_tiny_tagger

KEYS = {
    "recsys": "read-key-0123456789abcdef",
    "ana": "review-key-0123456789abcdef",
    "ops": "admin-key-0123456789abcdef",
}
ROLES = {"recsys": "read", "ana": "review", "ops": "admin"}
READ = {"X-API-Key": KEYS["recsys"]}
REVIEW = {"X-API-Key": KEYS["ana"]}
# Sequences of a shop: u1 and u2 share items 1 and 2, so co-interaction links u1 to item 4.
SEQUENCES = "u1 1 2 3\nu2 1 2 4\nu3 5\n"


def ingest_all(executor: GraphExecutor, demo_dir: Path, folder: Path) -> None:
    """Ingest 300 Myntra rows, 150 Flipkart rows and the shop's sequences."""
    context = SourceContext(pseudonymiser=load_pseudonymiser(IngestSettings()))
    myntra = first_rows(demo_dir / "myntra_styles.csv", 300, folder / "styles.csv")
    flipkart = first_rows(demo_dir / "flipkart.csv", 150, folder / "flipkart.csv")
    (folder / "shop.txt").write_text(SEQUENCES)
    (folder / "shop_item2attributes.json").write_text("{}")
    sources: list[tuple[Source, Path]] = [
        (MyntraSource(context), myntra),
        (FlipkartSource(context), flipkart),
        (SequenceSource(context), folder / "shop.txt"),
    ]
    for source, path in sources:
        run_ingest(source, path, BatchWriter(executor, 500), folder / "rejects", folder / "state", 500)


@pytest.fixture(scope="module")
def api_graph(
    session_executor: GraphExecutor, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> GraphExecutor:
    clear_graph(session_executor)
    ingest_all(session_executor, demo_dir, tmp_path_factory.mktemp("api-data"))
    return session_executor


@pytest.fixture(scope="module")
def models_dir(api_graph: GraphExecutor, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Myntra tagger and the linker over the graph's entities."""
    folder = tmp_path_factory.mktemp("models")
    sample = first_rows(
        demo_dir / "myntra_styles.csv", 300, tmp_path_factory.mktemp("catalog") / "styles.csv"
    )
    encoder = tiny_encoder_for(sample, tmp_path_factory.mktemp("encoder"))
    train_tiny_tagger(api_graph, encoder).save(folder / "tagger" / "myntra")
    build_linker(api_graph, TextEmbedder(), folder / "linker")
    return folder


def api_settings(models_dir: Path | None, **overrides: object) -> ApiSettings:
    keys = {name: {"key": key, "role": ROLES[name]} for name, key in KEYS.items()}
    return ApiSettings(
        keys=keys,
        models_dir=models_dir or Path("/nonexistent"),
        load_models=models_dir is not None,
        **overrides,
    )


def wait_ready(client: TestClient, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response.json()
        time.sleep(0.2)


@contextmanager
def ready_client(models_dir: Path | None, neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    """The app (graph routes only when ``models_dir`` is None), started and ready."""
    app = create_app(api_settings(models_dir), neo4j_settings)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        ready = wait_ready(test_client)
        assert ready["ready"], ready
        yield test_client


@pytest.fixture(scope="module")
def client(models_dir: Path, neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    with ready_client(models_dir, neo4j_settings) as test_client:
        yield test_client


def as_json(value: object) -> str:
    return json.dumps(value, sort_keys=True)

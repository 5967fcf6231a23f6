"""Tiny models over the catalog graph (tests/integration/conftest.py), the API keys, and the app."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from taggraph.api.app import create_app
from taggraph.encoders.embedder import TextEmbedder
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.linking.build import build_linker
from taggraph.settings import ApiSettings, Neo4jSettings, Settings
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


@pytest.fixture(scope="module")
def models_dir(
    catalog_graph: GraphExecutor, demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A tiny Myntra tagger and the linker over the graph's entities."""
    folder = tmp_path_factory.mktemp("models")
    sample = first_rows(
        demo_dir / "myntra_styles.csv", 300, tmp_path_factory.mktemp("catalog") / "styles.csv"
    )
    encoder = tiny_encoder_for(sample, tmp_path_factory.mktemp("encoder"))
    train_tiny_tagger(catalog_graph, encoder).save(folder / "tagger" / "myntra")
    build_linker(catalog_graph, TextEmbedder(), folder / "linker")
    return folder


def api_settings(models_dir: Path | None, neo4j: Neo4jSettings, **overrides: object) -> Settings:
    """The environment's settings with the test keys, ``models_dir`` and ``neo4j``."""
    keys = {name: {"key": key, "role": ROLES[name]} for name, key in KEYS.items()}
    overrides.setdefault(
        "neo4j_timeout_s", 30.0
    )  # a loaded test machine is slow; the stall tests set their own
    overrides.setdefault("onnx_cache_dir", (models_dir or Path("/nonexistent")) / "onnx-cache")
    api = ApiSettings(keys=keys, load_models=models_dir is not None, **overrides)
    return Settings(models_dir=models_dir or Path("/nonexistent"), neo4j=neo4j, api=api)


def wait_ready(client: TestClient, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response.json()
        time.sleep(0.2)


@contextmanager
def ready_client(
    models_dir: Path | None, neo4j_settings: Neo4jSettings, **overrides: object
) -> Iterator[TestClient]:
    """The app (graph routes only when ``models_dir`` is None), started and ready."""
    app = create_app(api_settings(models_dir, neo4j_settings, **overrides))
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


@pytest.fixture()
def review_client(review_graph: GraphExecutor, neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    """The graph routes (no models) over the review graph, started and ready."""
    with ready_client(None, neo4j_settings) as test_client:
        yield test_client

"""A user's recommendations ranked by the next-item model: trained from the graph, loaded, served."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from taggraph.core.identity import load_pseudonymiser
from taggraph.encoders.gnn.recommender import NextItemRanker
from taggraph.errors import ModelArtifactError
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.cli import main
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from taggraph.settings import Neo4jSettings, Settings
from tests.integration.api.conftest import READ, ready_client
from tests.support.catalog import first_rows

ITEMS = 30


def walks() -> str:
    """Users walk items ``s, s+1, s+2, ...`` (mod ITEMS), so each item's next item is the one after."""
    lines = [
        f"w{user} " + " ".join(str((user + step) % ITEMS + 1) for step in range(6)) for user in range(60)
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def trained(session_executor: GraphExecutor, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The walks ingested into an emptied graph and the recommender trained on them by the CLI."""
    from taggraph.graph.schema import clear_graph
    from taggraph.graph.writer import BatchWriter
    from taggraph.jobs.ingest.run import run_ingest

    clear_graph(session_executor)
    folder = tmp_path_factory.mktemp("walks")
    (folder / "walk.txt").write_text(walks())
    attributes = {str(item): [item % 3] for item in range(1, ITEMS + 1)}
    (folder / "walk_item2attributes.json").write_text(json.dumps(attributes))
    source = SequenceSource(SourceContext(pseudonymiser=load_pseudonymiser(Settings())))
    run_ingest(
        source, folder / "walk.txt", BatchWriter(session_executor, 500), folder / "r", folder / "s", 500
    )
    models = tmp_path_factory.mktemp("models")
    argv = ["gnn", "recommender", "--source", "walk", "--out", str(models / "recommender")]
    assert (
        main(
            [*argv, "--epochs", "40", "--hidden", "16", "--recent", "2", "--lr", "0.02", "--batch-size", "64"]
        )
        == 0
    )
    return models


@pytest.fixture(scope="module")
def client(trained: Path, neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    with ready_client(trained, neo4j_settings) as test_client:
        yield test_client


def test_the_model_ranks_the_next_item_first_and_never_the_history(client: TestClient) -> None:
    ready = client.get("/readyz").json()
    assert "recommender" in ready["loaded"]
    answer = client.post("/v1/recommendations", headers=READ, json={"user_id": "walk:w0", "k": 3})
    results = answer.json()["results"]
    history = {f"walk:{i}" for i in range(1, 7)}  # w0 walked items 1..6
    assert results and not history & {r["id"] for r in results}
    assert results[0]["id"] == "walk:7"  # after 6 comes 7
    reason = results[0]["reasons"][0]
    assert reason["kind"] == "next_item" and reason["via"].startswith("recommender-")
    assert reason["path"] == "(:User)-[:INTERACTED]->(:Product {id: 'walk:6'})"
    assert all(0.0 <= r["score"] <= 1.0 for r in results) and "w0" not in str(results)


def test_a_price_filter_applies_to_the_model_ranking(client: TestClient) -> None:
    body = {"user_id": "walk:w0", "k": 3, "filters": {"min_price": 1.0}}
    assert client.post("/v1/recommendations", headers=READ, json=body).json() == {"results": []}  # no prices


def test_tags_or_an_unknown_user_use_the_graph_ranking(client: TestClient) -> None:
    unknown = client.post("/v1/recommendations", headers=READ, json={"user_id": "walk:nobody"})
    assert unknown.status_code == 200 and unknown.json() == {"results": []}
    with_tags = client.post(
        "/v1/recommendations",
        headers=READ,
        json={"user_id": "walk:w0", "tags": ["tag:walk-attribute:1"], "k": 3},
    ).json()["results"]
    assert all(reason["kind"] != "next_item" for r in with_tags for reason in r["reasons"])


def test_a_corrupt_or_missing_recommender_is_refused(trained: Path, tmp_path: Path) -> None:
    ranker = NextItemRanker.load(trained / "recommender")
    assert ranker.scores([[0, 1]]).shape == (1, ITEMS)
    copy = ranker.save(tmp_path / "copy")
    (copy / "model.safetensors").write_bytes(b"corrupt")
    with pytest.raises(ModelArtifactError, match="corrupt"):
        NextItemRanker.load(copy)
    with pytest.raises(ModelArtifactError, match="taggraph gnn recommender"):
        NextItemRanker.load(tmp_path / "absent")


def test_a_graph_without_interactions_is_a_clear_error(
    ingest, executor: GraphExecutor, context: SourceContext, demo_dir: Path, tmp_path: Path, capsys
) -> None:
    ingest(MyntraSource(context), first_rows(demo_dir / "myntra_styles.csv", 20, tmp_path / "styles.csv"))
    assert main(["gnn", "recommender", "--out", str(tmp_path / "r")]) == 1
    assert "no user has two interactions" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()

"""User ids are pseudonymised: neither the raw ids nor the key reach the graph, logs, rejects,
exports or API answers, and the API never shows one user's interactions to another caller."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.export import read_snapshot
from taggraph.graph.schema import clear_graph
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import READ, ready_client

pytestmark = pytest.mark.slow
TAGGRAPH = Path(sys.executable).with_name("taggraph")
KEY = "data-protection-test-key-0123456789"
RAW_USERS = ["rawuser-alice-7f3a9", "rawuser-bob-22c81", "rawuser-carol-90e1d"]
# alice and bob share items 1 and 2; carol sees item 9 only. The last two lines are rejected.
SEQUENCES = (
    f"{RAW_USERS[0]} 1 2 3\n{RAW_USERS[1]} 1 2 4\n{RAW_USERS[2]} 9\n{RAW_USERS[0]}\n"
    f"{RAW_USERS[1]} {'9' * 500}\n"
)


def taggraph(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ) | {
        "TAGGRAPH_PSEUDONYM_KEY": KEY,
        "TAGGRAPH_REJECTS_DIR": str(tmp_path / "rejects"),
        "TAGGRAPH_STATE_DIR": str(tmp_path / "state"),
        "TAGGRAPH_MODELS_DIR": str(tmp_path / "models"),
    }
    return subprocess.run(
        [str(TAGGRAPH), *args], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def shop(
    session_executor: GraphExecutor, tmp_path_factory: pytest.TempPathFactory
) -> tuple[GraphExecutor, Path, str]:
    """The shop's sequences ingested through the CLI; the folder and the command's output."""
    clear_graph(session_executor)
    folder = tmp_path_factory.mktemp("shop")
    (folder / "shop.txt").write_text(SEQUENCES)
    (folder / "shop_item2attributes.json").write_text('{"1": [1], "2": [1], "3": [2], "4": [2]}')
    run = taggraph(folder, "ingest", "seq", str(folder / "shop.txt"))
    assert run.returncode == 0, run.stderr
    return session_executor, folder, run.stdout + run.stderr


def secrets() -> list[str]:
    return [*RAW_USERS, KEY]


def assert_free_of_secrets(text: str, where: str) -> None:
    leaked = [secret for secret in secrets() if secret in text]
    assert not leaked, f"{where} holds {leaked}"


def test_the_graph_holds_only_pseudonyms(shop: tuple[GraphExecutor, Path, str]) -> None:
    executor, _, _ = shop
    snapshot = read_snapshot(executor)
    assert len(snapshot.ids["user"]) == 3
    assert_free_of_secrets(repr(snapshot.ids) + repr(snapshot.properties), "the graph")
    assert all(len(user) >= 16 for user in snapshot.ids["user"])


def test_rejects_output_and_neo4j_logs_hold_no_raw_id_or_key(
    shop: tuple[GraphExecutor, Path, str], neo4j_settings: Neo4jSettings
) -> None:
    _, folder, output = shop
    assert_free_of_secrets(output, "the command's output")
    rejects = list((folder / "rejects").glob("*.jsonl"))
    assert rejects and len(rejects[0].read_text().splitlines()) == 2  # the bad rows, without their user
    for path in rejects:
        assert_free_of_secrets(path.read_text(encoding="utf-8"), str(path))
    logs = list((neo4j_settings.home / "logs").glob("*.log"))
    assert logs
    for path in logs:
        assert_free_of_secrets(path.read_text(encoding="utf-8", errors="replace"), str(path))


@pytest.mark.parametrize("output", ["parquet", "networkx"])
def test_exports_hold_no_raw_id(shop: tuple[GraphExecutor, Path, str], output: str, tmp_path: Path) -> None:
    run = taggraph(tmp_path, "export", str(tmp_path / "out"), "--format", output)
    assert run.returncode == 0, run.stderr
    files = list((tmp_path / "out").iterdir())
    assert files
    for path in files:
        if path.suffix == ".parquet":
            text = repr(pq.read_table(path).to_pylist())
        else:
            text = path.read_text(encoding="utf-8")
        assert "user" in text
        assert_free_of_secrets(text, str(path))


@pytest.fixture(scope="module")
def client(shop: tuple[GraphExecutor, Path, str], neo4j_settings: Neo4jSettings) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAGGRAPH_PSEUDONYM_KEY", KEY)
        with ready_client(None, neo4j_settings) as test_client:
            yield test_client


def test_the_api_answers_for_a_user_without_showing_any_user(
    shop: tuple[GraphExecutor, Path, str], client: TestClient
) -> None:
    pseudonyms = read_snapshot(shop[0]).ids["user"]
    answer = client.post(
        "/v1/recommendations", headers=READ, json={"user_id": f"shop:{RAW_USERS[0]}", "k": 10}
    )
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert results[0]["id"] == "shop:4"  # bob's other item first (popular ones may follow)
    assert not {"shop:1", "shop:2", "shop:3"} & {result["id"] for result in results}  # alice's own never
    assert_free_of_secrets(answer.text, "the answer")
    assert not [user for user in pseudonyms if user in answer.text]


def test_a_wrong_key_finds_no_user(
    shop: tuple[GraphExecutor, Path, str], neo4j_settings: Neo4jSettings
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TAGGRAPH_PSEUDONYM_KEY", "another-key-that-is-long-enough-0123")
        with ready_client(None, neo4j_settings) as other:
            body = {"user_id": f"shop:{RAW_USERS[0]}", "k": 10}
            assert other.post("/v1/recommendations", headers=READ, json=body).json()["results"] == []

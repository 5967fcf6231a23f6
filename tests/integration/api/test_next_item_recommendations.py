"""A user's recommendations ranked by the next-item model: trained from the graph, loaded, served."""

import json
import threading
import time
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
from taggraph.jobs.ingest.sources.mapped import ColumnMapping, MappedSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from taggraph.settings import Neo4jSettings, Settings
from tests.integration.api.conftest import KEYS, READ, ready_client
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
    prices = "id,name,price,attribute\n" + "".join(
        f"{item},item {item},{item}.0,{item % 3}\n" for item in range(1, ITEMS + 1)
    )
    (folder / "prices.csv").write_text(prices)  # item n costs n and is tagged n mod 3
    mapping = ColumnMapping.parse(["id=id", "name=name", "price=price", "tag:walk_attribute=attribute"])
    priced = MappedSource(SourceContext(pseudonymiser=load_pseudonymiser(Settings())), "csv", mapping, "walk")
    run_ingest(
        priced, folder / "prices.csv", BatchWriter(session_executor, 500), folder / "r", folder / "s", 500
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
    unfiltered = client.post("/v1/recommendations", headers=READ, json={"user_id": "walk:w0", "k": 3}).json()
    assert unfiltered["results"][0]["id"] == "walk:7" and unfiltered["results"][0]["price"] == 7.0
    body = {"user_id": "walk:w0", "k": 3, "filters": {"min_price": 10.0, "max_price": 20.0}}
    answer = client.post("/v1/recommendations", headers=READ, json=body).json()
    assert answer["method"] == "model" and len(answer["results"]) == 3  # walk:7 is too cheap now
    assert all(10.0 <= result["price"] <= 20.0 for result in answer["results"])


def test_tags_or_an_unknown_user_use_the_graph_ranking(client: TestClient) -> None:
    unknown = client.post("/v1/recommendations", headers=READ, json={"user_id": "walk:nobody"})
    assert unknown.status_code == 200
    assert unknown.json() == {"results": [], "method": "fallback", "model": None}
    tag = "tag:walk_attribute:1"
    answer = client.post(
        "/v1/recommendations", headers=READ, json={"user_id": "walk:w0", "tags": [tag], "k": 3}
    ).json()
    with_tags = answer["results"]
    assert answer["method"] == "graph" and len(with_tags) == 3
    history = {f"walk:{item}" for item in range(1, 7)}  # w0 walked items 1-6
    for result in with_tags:
        assert int(result["id"].split(":")[1]) % 3 == 1 and result["id"] not in history
        assert result["reasons"][0] == {
            "kind": "shared_tag",
            "via": tag,
            "path": f"(:Tag {{id: '{tag}'}})<-[:HAS_TAG]-(:Product {{id: '{result['id']}'}})",
        }
    assert client.post(
        "/v1/recommendations", headers=READ, json={"tags": ["tag:walk_attribute:1", "tag:walk_attribute:2"]}
    ).json() == {"results": [], "method": "graph", "model": None}  # no item carries both


def test_answers_say_how_they_were_made_and_are_counted(client: TestClient, trained: Path) -> None:
    before = client.get("/metrics").text
    by_model = client.post("/v1/recommendations", headers=READ, json={"user_id": "walk:w0", "k": 3}).json()
    assert by_model["method"] == "model" and by_model["model"].startswith("recommender-")
    assert by_model["model"] == by_model["results"][0]["reasons"][0]["via"]
    by_graph = client.post(
        "/v1/recommendations", headers=READ, json={"product_ids": ["walk:3"], "k": 3}
    ).json()
    fitted = json.loads((trained / "recommender" / "recommender.json").read_text())["meta"]["serving"]
    took_part = fitted["item_fusion"]["model"] > 0  # a part weighted 0 is not scored
    assert by_graph["method"] == "graph"
    assert by_graph["model"] == (by_model["model"] if took_part else None)
    assert {result["id"] for result in by_graph["results"][:2]} == {"walk:2", "walk:4"}  # its walk neighbours
    after = client.get("/metrics").text

    def count(text: str, method: str) -> float:
        line = next(
            row
            for row in text.splitlines()
            if row.startswith(f'taggraph_recommendations_total{{method="{method}"}}')
        )
        return float(line.split()[-1])

    assert count(after, "model") == count(before, "model") + 1
    assert count(after, "graph") == count(before, "graph") + 1


def test_a_batch_answers_each_query_as_the_single_route_would(client: TestClient) -> None:
    queries = [
        {"user_id": "walk:w0", "k": 3},
        {"user_id": "walk:nobody"},
        {"product_ids": ["walk:3"], "k": 2},
        {"user_id": "walk:w5", "tags": ["tag:walk_attribute:1"], "k": 3},
    ]
    batch = client.post("/v1/recommendations/batch", headers=READ, json={"queries": queries})
    assert batch.status_code == 200
    singles = [client.post("/v1/recommendations", headers=READ, json=query).json() for query in queries]
    assert batch.json()["answers"] == singles
    assert client.post("/v1/recommendations/batch", headers=READ, json={"queries": []}).status_code == 422
    too_many = {"queries": [{"user_id": "walk:w0"}] * 101}
    assert client.post("/v1/recommendations/batch", headers=READ, json=too_many).status_code == 422
    invalid = {"queries": [{"user_id": "walk:w0"}, {"k": 3}]}
    assert client.post("/v1/recommendations/batch", headers=READ, json=invalid).status_code == 422


def test_only_an_admin_reloads_and_a_batch_never_mixes_two_models(
    trained: Path, neo4j_settings: Neo4jSettings
) -> None:
    record = trained / "recommender" / "recommender.json"
    original = record.read_text()
    with ready_client(trained, neo4j_settings) as client:
        assert client.post("/v1/admin/reload", headers=READ).status_code == 403
        admin = {"X-API-Key": KEYS["ops"]}
        reloaded = client.post("/v1/admin/reload", headers=admin)
        assert reloaded.status_code == 200 and "recommender" in reloaded.json()["loaded"]
        queries = {"queries": [{"user_id": f"walk:w{user}", "k": 2} for user in range(40)]}
        stop = threading.Event()
        reload_statuses: list[int] = []

        def reload_between_two_models() -> None:
            for round_ in range(40):
                if stop.is_set():
                    return
                run = "recommender-second" if round_ % 2 else json.loads(original)["meta"]["run_id"]
                record.write_text(
                    json.dumps(
                        {**json.loads(original), "meta": {**json.loads(original)["meta"], "run_id": run}}
                    )
                )
                reload_statuses.append(client.post("/v1/admin/reload", headers=admin).status_code)

        reloader = threading.Thread(target=reload_between_two_models)
        reloader.start()
        try:
            seen: set[str] = set()
            deadline = time.monotonic() + 120
            while len(seen) < 2 and time.monotonic() < deadline:
                answers = client.post("/v1/recommendations/batch", headers=READ, json=queries).json()[
                    "answers"
                ]
                models = {answer["model"] for answer in answers}
                assert len(models) == 1, models
                seen |= models
        finally:
            stop.set()
            reloader.join()
            record.write_text(original)
        assert set(reload_statuses) == {200}
        assert seen == {json.loads(original)["meta"]["run_id"], "recommender-second"}


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


def test_a_newer_run_recorded_in_the_graph_reloads_the_models(
    trained: Path, neo4j_settings: Neo4jSettings, session_executor: GraphExecutor
) -> None:
    with ready_client(trained, neo4j_settings, reload_check_s=0.3) as client:
        service = client.app.state.service
        first = service.models
        time.sleep(1.0)
        assert service.models is first  # nothing newer yet: no reload
        properties = {"kind": "recommender-training", "status": "finished"}
        session_executor.write("write/model_run", id="recommender-newer", properties=properties)
        deadline = time.monotonic() + 60
        while service.models is first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert service.models is not first and "recommender" in service.models.names()
        assert service.loaded_runs is not None and "recommender-training" in service.loaded_runs

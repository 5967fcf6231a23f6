"""A Neo4j that accepts connections and never answers: graph routes answer 503 in time, the
probes, metrics and key checks keep answering, and load beyond the graph threads is shed."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from taggraph.api.app import create_app
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import READ, REVIEW, api_settings
from tests.support.live_server import SilentNeo4j, live_server

TIMEOUT_S = 1.0
SLACK_S = 1.5  # scheduling on a loaded 2-core machine


@pytest.fixture(scope="module")
def base_url(neo4j_settings: Neo4jSettings) -> Iterator[str]:
    with SilentNeo4j() as silent:
        stalled = neo4j_settings.model_copy(
            update={"uri": f"bolt://127.0.0.1:{silent.port}", "connect_timeout_s": 60.0, "retry_time_s": 60.0}
        )
        settings = api_settings(
            None, stalled, threads=2, graph_queue=2, neo4j_timeout_s=TIMEOUT_S, retry_after_s=3
        )
        with live_server(create_app(settings), settings) as (host, port):
            yield f"http://{host}:{port}"


def timed(client: httpx.Client, method: str, path: str, **options: object) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.request(method, path, **options)
    return response, time.monotonic() - started


def test_a_graph_route_answers_503_within_the_timeout(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for method, path, options in [
            ("GET", "/v1/products/myntra:1", {}),
            ("GET", "/v1/products/myntra:1/similar?k=3", {}),
            ("POST", "/v1/recommendations", {"json": {"tags": ["tag:gender:men"]}}),
        ]:
            response, seconds = timed(client, method, path, headers=READ, **options)
            assert response.status_code == 503 and seconds < TIMEOUT_S + SLACK_S, (path, seconds)
            assert response.headers["Retry-After"] == "3"
            detail = response.json()["detail"]
            assert "bolt" not in detail and "127.0.0.1" not in detail and "taggraph neo4j" not in detail
        ready, seconds = timed(client, "GET", "/readyz")
        assert ready.status_code == 503 and seconds < TIMEOUT_S + SLACK_S
        assert ready.json()["neo4j"] == "not reachable"


def test_load_is_shed_while_probes_metrics_and_key_checks_answer_at_once(base_url: str) -> None:
    def graph_call(_: int) -> tuple[int, float]:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            response, seconds = timed(client, "GET", "/v1/review/queue", headers=REVIEW)
            return response.status_code, seconds

    with ThreadPoolExecutor(max_workers=24) as pool:
        pending = [pool.submit(graph_call, i) for i in range(24)]
        time.sleep(0.3)  # the graph threads and the queue are now full of stalled calls
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for path, headers, expected in [
                ("/healthz", {}, 200),
                ("/metrics", {}, 200),
                ("/v1/products/myntra:1", {}, 401),
                ("/v1/review/queue", READ, 403),
            ]:
                response, seconds = timed(client, "GET", path, headers=headers)
                assert response.status_code == expected and seconds < 0.5, (path, seconds)
        results = [future.result() for future in pending]
    assert {status for status, _ in results} == {503}
    assert max(seconds for _, seconds in results) < TIMEOUT_S + SLACK_S
    shed = sum(1 for _, seconds in results if seconds < TIMEOUT_S / 2)
    assert shed >= 24 - 4 - 4  # beyond 2 threads and 2 queue places (and stragglers), refused at once

"""Strict input: valid Unicode, exact finite numbers, keys before bodies, bounded errors, fixed labels."""

import json

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import KEYS, READ, REVIEW

SHIRT = "myntra:20260"
SURROGATE = "\ud800"


def raw(client: TestClient, method: str, path: str, body: str, headers: dict[str, str]) -> object:
    return client.request(
        method, path, content=body.encode(), headers={**headers, "content-type": "application/json"}
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/recommendations", {"product_ids": [f"myntra:{SURROGATE}"], "k": 3}),
        ("/v1/recommendations", {"tags": [SURROGATE], "k": 3}),
        ("/v1/recommendations", {"user_id": f"beauty:{SURROGATE}"}),
        ("/v1/recommendations", {"tags": ["tag:gender:men"], "filters": {"category_id": SURROGATE}}),
        ("/v1/tag", {"title": f"shirt {SURROGATE}"}),
        ("/v1/tag", {"title": "shirt\u0000"}),
        ("/v1/tag", {"title": "shirt", "description": SURROGATE}),
        ("/v1/review/decisions", {"decisions": [{"action": "approve", "tag_id": SURROGATE}]}),
        (
            "/v1/review/decisions",
            {"decisions": [{"action": "approve", "tag_id": "t", "product_id": SURROGATE}]},
        ),
    ],
)
def test_lone_surrogates_and_nul_are_refused_without_echo(client: TestClient, path: str, body: dict) -> None:
    text = json.dumps(body)  # escapes the surrogate as \ud800, which JSON allows and UTF-8 cannot carry
    response = raw(client, "POST", path, text, REVIEW)
    assert response.status_code == 422, response.text
    assert "\\ud800" not in response.text and "ud800" not in response.text.lower()
    assert response.headers.get("connection") != "close"


@pytest.mark.parametrize(
    "body",
    [
        '{"tags": ["tag:gender:men"], "k": NaN}',
        '{"tags": ["tag:gender:men"], "k": Infinity}',
        '{"tags": ["tag:gender:men"], "k": 1e400}',
        '{"tags": ["tag:gender:men"], "k": true}',
        '{"tags": ["tag:gender:men"], "k": 5.0}',
        '{"tags": ["tag:gender:men"], "k": "5"}',
        '{"tags": ["tag:gender:men"], "filters": {"min_price": NaN}}',
        '{"tags": ["tag:gender:men"], "filters": {"max_price": -Infinity}}',
        '{"tags": ["tag:gender:men"], "filters": {"min_price": 1e400}}',
        '{"tags": ["tag:gender:men"], "filters": {"min_price": true}}',
    ],
)
def test_numbers_are_finite_and_strict(client: TestClient, body: str) -> None:
    response = raw(client, "POST", "/v1/recommendations", body, READ)
    assert response.status_code == 422, response.text
    assert "NaN" not in response.text and "Infinity" not in response.text


@pytest.mark.parametrize("query", ["k=5_0", "k=3.0", "k=+3", "k=1e1", "k=%205", "k=٣"])
def test_query_counts_are_digits(client: TestClient, query: str) -> None:
    assert client.get(f"/v1/products/{SHIRT}/similar?{query}", headers=READ).status_code == 422
    assert client.get(f"/v1/review/queue?{query.replace('k=', 'limit=')}", headers=REVIEW).status_code == 422


def test_error_bodies_are_bounded(client: TestClient) -> None:
    body = json.dumps({f"u{i}-{'x' * 300}": i for i in range(150)} | {"tags": ["tag:gender:men"]})
    response = raw(client, "POST", "/v1/recommendations", body, READ)
    assert response.status_code == 422 and len(response.content) < 4096
    assert response.json()["problems"] == 150 and len(response.json()["detail"]) == 10


@pytest.mark.parametrize("depth", [100, 20_000])
def test_deep_nesting_is_a_client_error(client: TestClient, depth: int) -> None:
    body = '{"tags": ' + "[" * depth + "]" * depth + "}"
    response = raw(client, "POST", "/v1/recommendations", body, READ)
    assert 400 <= response.status_code < 500


def test_duplicate_keys_take_the_last_value_and_stay_valid(client: TestClient) -> None:
    body = '{"tags": ["tag:gender:men"], "k": 2, "k": 3}'
    response = raw(client, "POST", "/v1/recommendations", body, READ)
    assert response.status_code == 200 and len(response.json()["results"]) <= 3


def test_keys_are_checked_before_the_body_is_read(client: TestClient) -> None:
    assert raw(client, "POST", "/v1/recommendations", "{not json", {}).status_code == 401
    assert raw(client, "POST", "/v1/review/decisions", "{not json", READ).status_code == 403
    assert raw(client, "POST", "/v1/review/decisions", "{not json", REVIEW).status_code == 422


def test_made_up_methods_and_paths_do_not_grow_the_metrics(client: TestClient) -> None:
    for index in range(30):
        client.request(f"BREW{index}", "/healthz")
        client.get(f"/made/up/{index}")
        client.get(f"/v1/made/up/{index}", headers=READ)
    metrics = client.get("/metrics").text
    assert "BREW" not in metrics and "/made/up" not in metrics
    assert 'method="other"' in metrics and 'route="unmatched"' in metrics
    assert 'status="404"' not in metrics and 'status="4xx"' in metrics


def test_no_redirect_is_built_from_the_host_header(client: TestClient) -> None:
    response = client.get(
        f"/v1/products/{SHIRT}/", headers={**READ, "Host": "evil.example"}, follow_redirects=False
    )
    assert response.status_code == 404 and "location" not in response.headers


def test_probes_answer_head(client: TestClient) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.head("/readyz").status_code in (200, 503)


def test_a_wrong_key_never_reaches_the_graph(client: TestClient) -> None:
    response = client.get(f"/v1/products/{SHIRT}", headers={"X-API-Key": KEYS["recsys"] + "x"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "APIKey"

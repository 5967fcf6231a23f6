"""Injection, oversized and malformed input through every string field: a 4xx or an answer, never 5xx."""

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import graph_stats
from tests.integration.api.conftest import KEYS, READ

ADMIN = {"X-API-Key": KEYS["ops"]}
HOSTILE = [
    "x'}) DETACH DELETE n //",
    '"}) MATCH (n) DETACH DELETE n //',
    "myntra:1` RETURN 1 UNION MATCH (n) DETACH DELETE n //",
    "$product_id",
    "\\u0027 OR 1=1 --",
    "tag:colour:navy-blue\u202e",
    "😀" * 50,
    "../../etc/passwd",
    "a" * 300,
    " ",
]


def requests_for(value: str) -> list[tuple[str, str, dict]]:
    path = quote(value, safe="")
    return [
        ("GET", f"/v1/products/{path}", {}),
        ("GET", f"/v1/products/{path}/tags", {}),
        ("GET", f"/v1/products/{path}/similar", {}),
        ("GET", f"/v1/tags/{path}/products", {}),
        ("GET", "/v1/tags/search", {"params": {"q": value}}),
        ("GET", "/v1/tags/search", {"params": {"q": "navy", "kind": value}}),
        ("GET", "/v1/tags/tag:gender:men/products", {"params": {"after": value}}),
        ("GET", "/v1/tags/tag:gender:men/products", {"params": {"status": value}}),
        ("GET", "/v1/review/queue", {"params": {"kind": value}}),
        ("POST", "/v1/recommendations", {"json": {"product_ids": [value]}}),
        ("POST", "/v1/recommendations", {"json": {"tags": [value]}}),
        ("POST", "/v1/recommendations", {"json": {"user_id": f"shop:{value}"}}),
        (
            "POST",
            "/v1/recommendations",
            {"json": {"tags": ["tag:gender:men"], "filters": {"category_id": value}}},
        ),
        (
            "POST",
            "/v1/recommendations",
            {"json": {"tags": ["tag:gender:men"], "filters": {"brand_id": value}}},
        ),
        ("POST", "/v1/tag", {"json": {"title": value, "description": value}}),
        ("POST", "/v1/tag", {"json": {"title": "shirt", "source": value}}),
        (
            "POST",
            "/v1/review/decisions",
            {"json": {"decisions": [{"action": "approve", "product_id": value, "tag_id": value}]}},
        ),
        (
            "POST",
            "/v1/review/decisions",
            {"json": {"decisions": [{"action": "merge", "tag_id": value, "into_id": value}]}},
        ),
        ("POST", "/v1/review/decisions", {"json": {"decisions": [{"action": "reject", "tag_id": value}]}}),
    ]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_never_reach_cypher_or_break_the_service(
    client: TestClient, catalog_graph: GraphExecutor, value: str
) -> None:
    before = graph_stats(catalog_graph)
    for method, url, options in requests_for(value):
        response = client.request(method, url, headers=ADMIN, **options)
        assert response.status_code < 500, (method, url, options, response.text)
        assert "Traceback" not in response.text
        if url == "/v1/review/decisions" and response.status_code == 200:
            assert response.json()["applied"] == 0
    assert graph_stats(catalog_graph) == before


@pytest.mark.parametrize(
    ("method", "url", "options"),
    [
        ("POST", "/v1/recommendations", {"content": b"{not json"}),
        ("POST", "/v1/recommendations", {"content": b"\xff\xfe\x00garbage"}),
        ("POST", "/v1/recommendations", {"content": b"[]"}),
        ("POST", "/v1/recommendations", {"content": b""}),
        ("POST", "/v1/recommendations", {"json": {"product_ids": "myntra:20260"}}),
        ("POST", "/v1/recommendations", {"json": {"product_ids": [None]}}),
        ("POST", "/v1/recommendations", {"json": {"product_ids": ["a\u0000b"]}}),
        ("POST", "/v1/recommendations", {"json": {"tags": ["tag:gender:men"], "filters": {"min_price": -1}}}),
        (
            "POST",
            "/v1/recommendations",
            {"json": {"tags": ["tag:gender:men"], "filters": {"min_price": "NaN"}}},
        ),
        ("POST", "/v1/review/decisions", {"json": {"decisions": []}}),
        ("POST", "/v1/tag", {"json": {"title": ["a"]}}),
        ("GET", "/v1/products/myntra:20260/similar?k=-1", {}),
        ("GET", "/v1/products/myntra:20260/similar?k=101", {}),
        ("GET", "/v1/products/myntra:20260/similar?k=ten", {}),
        ("GET", "/v1/tags/tag:gender:men/products?limit=201", {}),
        ("GET", "/v1/tags/search?q=", {}),
    ],
)
def test_malformed_requests_are_4xx(client: TestClient, method: str, url: str, options: dict) -> None:
    headers = {**ADMIN, "content-type": "application/json"}
    response = client.request(method, url, headers=headers, **options)
    assert 400 <= response.status_code < 500, response.text


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    body = {"tags": ["tag:gender:men"], "padding": "x" * 70_000}
    assert client.post("/v1/recommendations", headers=READ, json=body).status_code == 413

    def chunks():
        yield b'{"tags": ["tag:gender:men"], "x": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}'

    streamed = client.post(
        "/v1/recommendations", headers={**READ, "content-type": "application/json"}, content=chunks()
    )
    assert streamed.status_code == 413


def test_duplicated_seeds_count_once(client: TestClient) -> None:
    once = client.post(
        "/v1/recommendations", headers=READ, json={"product_ids": ["myntra:20260"], "k": 5}
    ).json()
    twice = client.post(
        "/v1/recommendations", headers=READ, json={"product_ids": ["myntra:20260"] * 2, "k": 5}
    ).json()
    assert once == twice

"""Every endpoint against the real server and demo data: answers, provenance, reasons, roles."""

import pytest
from fastapi.testclient import TestClient

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import graph_stats, product, product_tags
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import KEYS, READ, REVIEW
from tests.support.paths import missing_paths

SHIRT = "myntra:20260"


def tags_of(executor: GraphExecutor, product_id: str) -> set[str]:
    return {row["tag_id"] for row in product_tags(executor, product_id) if row["status"] != "rejected"}


def test_probes_and_metrics_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["ready"] and ready["neo4j"] == "reachable"
    assert set(ready["loaded"]) == {"tagger/myntra", "linker", "catalog"}
    reloaded = client.post("/v1/admin/reload", headers={"X-API-Key": KEYS["ops"]}).json()
    assert reloaded["runtimes"] == {"tagger/myntra": "onnx", "linker": "onnx"}
    client.get(f"/v1/products/{SHIRT}", headers=READ)
    metrics = client.get("/metrics").text
    assert (
        'taggraph_http_requests_total{method="GET",route="/v1/products/{product_id}",status="2xx"}' in metrics
    )


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "not-a-key-at-all-000000"}, {"X-API-Key": ""}])
def test_a_missing_or_unknown_key_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(f"/v1/products/{SHIRT}", headers=headers)
    assert response.status_code == 401


def test_review_routes_need_the_review_role(client: TestClient) -> None:
    assert client.get("/v1/review/queue", headers=READ).status_code == 403
    body = {"decisions": [{"action": "approve", "product_id": SHIRT, "tag_id": "tag:colour:navy-blue"}]}
    assert client.post("/v1/review/decisions", headers=READ, json=body).status_code == 403
    assert client.get("/v1/review/queue", headers=REVIEW).status_code == 200


def test_product_and_its_tags_with_provenance(client: TestClient, catalog_graph: GraphExecutor) -> None:
    found = client.get(f"/v1/products/{SHIRT}", headers=READ).json()
    assert found["name"] == "Wrangler Men Applique Navy Blue Tshirt"
    assert found["category_ids"] == ["myntra:cat:apparel", "myntra:cat:apparel/topwear"]
    tags = client.get(f"/v1/products/{SHIRT}/tags", headers=READ).json()["tags"]
    assert {tag["tag_id"] for tag in tags} == tags_of(catalog_graph, SHIRT)
    assert {(tag["source"], tag["status"]) for tag in tags} == {("catalog", "approved")}


def test_unknown_product_is_404(client: TestClient) -> None:
    for path in ("", "/tags", "/similar"):
        response = client.get(f"/v1/products/myntra:0{path}", headers=READ)
        assert response.status_code == 404 and response.json() == {"detail": "no such product"}


def test_similar_products_share_what_their_reasons_say(
    client: TestClient, catalog_graph: GraphExecutor, neo4j_settings: Neo4jSettings
) -> None:
    answer = client.get(f"/v1/products/{SHIRT}/similar?k=5", headers=READ).json()
    results = answer["results"]
    assert len(results) == 5 and SHIRT not in {result["id"] for result in results}
    assert answer["model"] is None and "features" in answer["parts"]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    mine = tags_of(catalog_graph, SHIRT)
    for result in results:
        shared = {reason["via"] for reason in result["reasons"] if reason["kind"] == "shared_tag"}
        assert shared and shared <= mine & tags_of(catalog_graph, result["id"])  # nothing only popular
        assert all(SHIRT in reason["path"] and result["id"] in reason["path"] for reason in result["reasons"])
    assert missing_paths(neo4j_settings, results) == []


def test_recommendations_for_products_exclude_seeds_and_respect_category(
    client: TestClient, catalog_graph: GraphExecutor, neo4j_settings: Neo4jSettings
) -> None:
    body = {"product_ids": [SHIRT], "k": 8, "filters": {"category_id": "myntra:cat:apparel"}}
    results = client.post("/v1/recommendations", headers=READ, json=body).json()["results"]
    assert len(results) == 8 and SHIRT not in {r["id"] for r in results}
    seed = product(catalog_graph, SHIRT)
    for result in results:
        found = product(catalog_graph, result["id"])
        assert "myntra:cat:apparel" in found["category_ids"]
        for reason in result["reasons"]:
            if reason["kind"] == "shared_tag":
                assert reason["via"] in tags_of(catalog_graph, SHIRT)
            else:
                assert reason["kind"] == "same_category" and reason["via"] == seed["category_ids"][-1]
                assert reason["via"] == found["category_ids"][-1]
    assert missing_paths(neo4j_settings, results) == []


def test_recommendations_for_tags_within_a_price_range(
    client: TestClient, catalog_graph: GraphExecutor
) -> None:
    tag = "tag:gender:women-s"
    body = {"tags": [tag], "k": 5, "filters": {"min_price": 300, "max_price": 1000}}
    results = client.post("/v1/recommendations", headers=READ, json=body).json()["results"]
    assert results
    for result in results:
        assert 300 <= result["price"] <= 1000 and tag in tags_of(catalog_graph, result["id"])
        assert result["reasons"][0]["path"].startswith(f"(:Tag {{id: '{tag}'}})")


def test_recommendations_for_a_user_come_from_co_interaction(
    client: TestClient, neo4j_settings: Neo4jSettings
) -> None:
    answer = client.post("/v1/recommendations", headers=READ, json={"user_id": "shop:u1", "k": 5}).json()
    results = answer["results"]
    assert answer["method"] == "graph" and answer["model"] is None
    assert results[0]["id"] == "shop:4"
    reason = results[0]["reasons"][0]
    assert reason["kind"] == "co_interaction" and reason["path"].startswith("(:User)-[:INTERACTED]->")
    assert not {"shop:1", "shop:2", "shop:3"} & {r["id"] for r in results}
    assert missing_paths(neo4j_settings, results) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"k": 5},
        {"product_ids": [SHIRT], "k": 0},
        {"product_ids": [SHIRT], "k": 101},
        {"product_ids": [SHIRT], "colour": "red"},
        {"user_id": "no-source"},
        {"tags": ["x"] * 501},
    ],
)
def test_bad_recommendation_requests_are_422(client: TestClient, body: dict) -> None:
    assert client.post("/v1/recommendations", headers=READ, json=body).status_code == 422


def test_tag_products_pages_cover_the_tag_once(client: TestClient, catalog_graph: GraphExecutor) -> None:
    tag = "tag:gender:men"
    seen, after = [], ""
    while True:
        page = client.get(
            f"/v1/tags/{tag}/products", params={"limit": 40, "after": after}, headers=READ
        ).json()
        seen += [row["id"] for row in page["products"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    carrying = catalog_graph.read(
        "read/tag_products", tag_id=tag, statuses=["proposed", "approved"], after="", limit=10_000
    )
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == len(carrying) > 40
    assert client.get("/v1/tags/tag:gender:nobody/products", headers=READ).status_code == 404
    assert client.get(f"/v1/tags/{tag}/products?status=maybe", headers=READ).status_code == 422


def test_tag_search_links_through_the_linker(client: TestClient) -> None:
    found = client.get("/v1/tags/search", params={"q": "Navy Blue", "kind": "colour"}, headers=READ).json()
    assert found["linked"]["id"] == "tag:colour:navy-blue" and found["method"] == "alias"
    typo = client.get("/v1/tags/search", params={"q": "navy blu", "kind": "colour"}, headers=READ).json()
    assert typo["candidates"][0]["id"] == "tag:colour:navy-blue"
    assert (
        client.get("/v1/tags/search", params={"q": "red", "kind": "nonsense"}, headers=READ).status_code
        == 422
    )


def test_tagging_new_text_writes_nothing(client: TestClient, catalog_graph: GraphExecutor) -> None:
    before = graph_stats(catalog_graph)
    answer = client.post("/v1/tag", headers=READ, json={"title": "Nike Men Navy Blue T-shirt"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["source"] == "myntra" and body["tags"]
    for tag in body["tags"]:
        assert tag["tag_id"].startswith(f"tag:{tag['label'].split(':', 1)[0]}:")
    assert graph_stats(catalog_graph) == before
    assert client.post("/v1/tag", headers=READ, json={"title": "x", "source": "amazon"}).status_code == 422
    assert client.post("/v1/tag", headers=READ, json={"title": "x" * 5001}).status_code == 422
    assert client.post("/v1/tag", headers=READ, json={"title": ""}).status_code == 422


def test_recommendations_for_tags_and_a_product_respect_a_brand_filter(
    client: TestClient, catalog_graph: GraphExecutor, neo4j_settings: Neo4jSettings
) -> None:
    rows = catalog_graph.read("read/export_products", after="", limit=200, sources=["flipkart"])
    branded = [found for row in rows if (found := product(catalog_graph, row["id"]))["brand_id"]]
    brands = [found["brand_id"] for found in branded]
    seed = next(found for found in branded if brands.count(found["brand_id"]) >= 3)
    body = {"product_ids": [seed["product"]["id"]], "k": 10, "filters": {"brand_id": seed["brand_id"]}}
    answer = client.post("/v1/recommendations", headers=READ, json=body).json()
    assert answer["results"] and seed["product"]["id"] not in {r["id"] for r in answer["results"]}
    assert {product(catalog_graph, r["id"])["brand_id"] for r in answer["results"]} == {seed["brand_id"]}
    assert missing_paths(neo4j_settings, answer["results"]) == []
    tag = sorted(tags_of(catalog_graph, seed["product"]["id"]))[0]
    body = {"tags": [tag], "k": 10, "filters": {"brand_id": seed["brand_id"]}}
    results = client.post("/v1/recommendations", headers=READ, json=body).json()["results"]
    assert results and all(tag in tags_of(catalog_graph, r["id"]) for r in results)
    assert {product(catalog_graph, r["id"])["brand_id"] for r in results} == {seed["brand_id"]}

"""The catalog team's named queries against a real graph, checked against the exported graph."""

from collections import Counter

import pytest
from neo4j.exceptions import ClientError

from taggraph.graph.browse import browse_query, run_browse_query
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.export import (
    HAS_BRAND,
    HAS_TAG,
    IN_CATEGORY,
    SUBCATEGORY_OF,
    GraphSnapshot,
    read_snapshot,
)
from taggraph.graph.reader import graph_stats, product_tags
from taggraph.jobs.cli import main
from tests.support.review import CANDIDATE, SHIRT, add_review_work


@pytest.fixture(scope="module")
def graph(catalog_graph: GraphExecutor) -> GraphExecutor:
    add_review_work(catalog_graph)
    return catalog_graph


@pytest.fixture(scope="module")
def snapshot(graph: GraphExecutor) -> GraphSnapshot:
    return read_snapshot(graph)


def run(graph: GraphExecutor, name: str, *assignments: str) -> list[dict]:
    query = browse_query(name)
    return run_browse_query(graph, query, query.bind(list(assignments)))


def kept_tags(snapshot: GraphSnapshot) -> dict[str, set[str]]:
    """Product id -> ids of its tags whose edge is not rejected."""
    table, products, tags = snapshot.edges[HAS_TAG], snapshot.ids["product"], snapshot.ids["tag"]
    kept: dict[str, set[str]] = {product: set() for product in products}
    for source, target, status in zip(table.source, table.target, table.properties["status"], strict=True):
        if status != "rejected":
            kept[products[source]].add(tags[target])
    return kept


def test_product_shows_every_tag_and_the_brand_with_provenance(
    graph: GraphExecutor, snapshot: GraphSnapshot
) -> None:
    rows = run(graph, "product", f"product_id={SHIRT}")
    tags = {(row["entity_id"], row["source"], row["status"]) for row in rows}
    expected = {(row["tag_id"], row["source"], row["status"]) for row in product_tags(graph, SHIRT)}
    assert tags == expected
    assert ("tag:usage:formal", "tagger", "proposed") in tags
    brands = snapshot.edges[HAS_BRAND]
    branded, brand = snapshot.ids["product"][brands.source[0]], snapshot.ids["brand"][brands.target[0]]
    rows = run(graph, "product", f"product_id={branded}")
    assert [row["entity_id"] for row in rows if row["kind"] == "brand"] == [brand]
    assert {row["entity_id"] for row in rows if row["kind"] != "brand"} == {
        row["tag_id"] for row in product_tags(graph, branded)
    }


def test_an_unknown_product_gives_no_rows(graph: GraphExecutor) -> None:
    assert run(graph, "product", "product_id=myntra:does-not-exist") == []


def test_low_confidence_lists_proposals_below_the_score(graph: GraphExecutor) -> None:
    rows = run(graph, "low_confidence", "max_score=0.5")
    assert [(row["product_id"], row["tag_id"], row["score"]) for row in rows] == [
        (SHIRT, "tag:usage:formal", 0.41)
    ]
    everything = run(graph, "low_confidence", "max_score=1.0")
    assert [row["score"] for row in everything] == sorted(row["score"] for row in everything)
    assert {row["source"] for row in everything} == {"tagger", "extractor"}
    assert {row["source"] for row in run(graph, "low_confidence", "max_score=1.0", "source=extractor")} == {
        "extractor"
    }


def test_candidates_show_their_nearest_entities(graph: GraphExecutor) -> None:
    [row] = run(graph, "candidates")
    assert row["candidate_id"] == CANDIDATE
    assert row["products"] == 1
    assert row["nearest"] == ["Navy Blue (0.47)"]
    assert run(graph, "candidates", "kind=brand") == []


def test_tag_neighbourhood_counts_products_sharing_the_tag(
    graph: GraphExecutor, snapshot: GraphSnapshot
) -> None:
    navy = "tag:colour:navy-blue"
    kept = kept_tags(snapshot)
    with_navy = [product for product, tags in kept.items() if navy in tags]
    expected = Counter(tag for product in with_navy for tag in kept[product] if tag != navy)
    rows = run(graph, "tag_neighbourhood", f"tag_id={navy}", "limit=1000")
    got = {row["neighbour_id"]: row["products"] for row in rows if row["relation"].startswith("tag:")}
    assert got == dict(expected)
    categories = {row["neighbour_id"]: row["products"] for row in rows if row["relation"] == "category"}
    table, categories_ids = snapshot.edges[IN_CATEGORY], snapshot.ids["category"]
    products = snapshot.ids["product"]
    leaf = Counter(
        categories_ids[target]
        for source, target in zip(table.source, table.target, strict=True)
        if products[source] in set(with_navy)
    )
    assert categories == dict(leaf)
    top = run(graph, "tag_neighbourhood", f"tag_id={navy}", "limit=2")
    assert Counter(row["relation"] for row in top).most_common(1)[0][1] <= 2


def test_category_coverage_matches_the_tree(graph: GraphExecutor, snapshot: GraphSnapshot) -> None:
    categories, products = snapshot.ids["category"], snapshot.ids["product"]
    parent = {
        categories[s]: categories[t] for s, t in zip(*snapshot.edges[SUBCATEGORY_OF].edge_index, strict=True)
    }
    under: dict[str, set[str]] = {}
    for source, target in zip(*snapshot.edges[IN_CATEGORY].edge_index, strict=True):
        category: str | None = categories[target]
        while category is not None:
            under.setdefault(category, set()).add(products[source])
            category = parent.get(category)
    kept = kept_tags(snapshot)
    rows = run(graph, "category_coverage", "source=myntra", "limit=10000", "max_level=9")
    assert rows and all(row["category_id"].startswith("myntra:") for row in rows)
    for row in rows:
        members = under.get(row["category_id"], set())
        assert row["products"] == len(members), row
        assert row["tagged"] == sum(1 for product in members if kept[product]), row
    by_kind = run(graph, "category_coverage", "source=myntra", "kind=season", "limit=10000", "max_level=9")
    assert sum(row["tagged"] for row in by_kind) <= sum(row["tagged"] for row in rows)


def test_untagged_products_have_no_kept_tag(graph: GraphExecutor, snapshot: GraphSnapshot) -> None:
    kept = kept_tags(snapshot)
    rows = run(graph, "untagged_products", "limit=10000")
    assert {row["product_id"] for row in rows} == {product for product, tags in kept.items() if not tags}
    shop = run(graph, "untagged_products", "source=shop", "limit=10000")
    assert shop and all(row["source"] == "shop" for row in shop)


def test_hostile_values_stay_values_and_reads_cannot_write(graph: GraphExecutor) -> None:
    before = graph_stats(graph)
    assert run(graph, "product", "product_id=x' }) DETACH DELETE p //") == []
    assert run(graph, "untagged_products", "source=shop' OR 1=1 //") == []
    with pytest.raises(ClientError, match="(?i)read access mode"):
        graph.read("write/model_run", id="browse-test", properties={"kind": "test"})
    assert graph_stats(graph) == before


def test_cli_lists_runs_and_points_to_the_browser(
    graph: GraphExecutor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["browse"]) == 0
    listing = capsys.readouterr().out
    assert "tag_neighbourhood" in listing and "Neo4j Browser: http://" in listing
    assert main(["browse", "low_confidence", "-p", "max_score=0.5", "--json"]) == 0
    assert "tag:usage:formal" in capsys.readouterr().out
    assert main(["browse", "product", "-p", f"product_id={SHIRT}", "--cypher"]) == 0
    shown = capsys.readouterr().out
    assert f":param product_id => '{SHIRT}'" in shown and "MATCH (p:Product {id: $product_id})" in shown
    assert main(["browse", "product"]) == 1
    assert "error: query 'product' needs product_id=..." in capsys.readouterr().err

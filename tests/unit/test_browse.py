"""The catalog team's named queries: every shipped file parses, and parameters are checked."""

from urllib.parse import parse_qs, urlsplit

import pytest

from taggraph.errors import InputError
from taggraph.graph.browse import (
    browse_queries,
    browse_query,
    browser_address,
    browser_editor_link,
    browser_parameters,
)
from taggraph.settings import Neo4jSettings

EXPECTED = {
    "candidates",
    "category_coverage",
    "low_confidence",
    "neighbourhood",
    "product",
    "tag_neighbourhood",
    "untagged_products",
}


def test_every_query_parses_with_a_description_and_typed_parameters() -> None:
    queries = browse_queries()
    assert {query.name for query in queries} == EXPECTED
    for query in queries:
        assert query.description.endswith(".")
        for parameter in query.parameters:
            assert f"${parameter.name}" in query.text, (query.name, parameter.name)


def test_defaults_fill_what_is_not_given() -> None:
    values = browse_query("low_confidence").bind(["max_score=0.3"])
    assert values == {"max_score": 0.3, "source": None, "limit": 50}


@pytest.mark.parametrize(
    ("query", "assignments", "fragment"),
    [
        ("product", [], "needs product_id=..."),
        ("product", ["product_id="], "is empty"),
        ("product", ["product_id=   "], "is empty"),
        ("product", ["product_id"], "name=value"),
        ("product", ["=myntra:1"], "name=value"),
        ("product", ["product_id=a", "product_id=b"], "given twice"),
        ("product", ["productid=a"], "has no parameter 'productid'"),
        ("product", ["product_id=" + "x" * 1001], "longer than 1000"),
        ("product", ["product_id=a\x00b"], "control characters"),
        ("product", ["product_id=a\nb"], "control characters"),
        ("low_confidence", ["max_score=high"], "must be a number"),
        ("low_confidence", ["max_score=nan"], "finite number"),
        ("low_confidence", ["max_score=inf"], "finite number"),
        ("low_confidence", ["limit=1.5"], "must be an integer"),
        ("low_confidence", ["limit=0"], "between 1 and 10000"),
        ("low_confidence", ["limit=99999999999999999999"], "between 1 and 10000"),
        ("low_confidence", ["limit=-5"], "between 1 and 10000"),
    ],
)
def test_bad_parameters_are_refused_clearly(query: str, assignments: list[str], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        browse_query(query).bind(assignments)


def test_hostile_strings_stay_values() -> None:
    hostile = "x' }) MATCH (n) DETACH DELETE n //"
    assert browse_query("product").bind([f"product_id={hostile}"]) == {"product_id": hostile}


def test_an_unknown_query_names_those_that_exist() -> None:
    with pytest.raises(InputError, match="no browse query 'products'; there are: candidates"):
        browse_query("products")


def test_browser_parameters_quote_strings() -> None:
    lines = browser_parameters({"product_id": "it's", "limit": 5, "kind": None})
    assert lines == ":param product_id => 'it\\'s'\n:param limit => 5\n:param kind => null"


def test_browser_address_local_and_remote() -> None:
    local = Neo4jSettings(uri="bolt://127.0.0.1:7687", http_port=7474)
    assert (
        browser_address(local) == "http://127.0.0.1:7474/browser/?dbms=bolt://neo4j@127.0.0.1:7687&db=neo4j"
    )
    aura = Neo4jSettings(uri="neo4j+s://abc.databases.neo4j.io", user="ana")
    assert browser_address(aura) == (
        "https://browser.neo4j.io/?dbms=neo4j%2Bs://ana@abc.databases.neo4j.io:7687&db=neo4j"
    )


@pytest.mark.parametrize("product_id", ["myntra:1", "a'b", "back\\slash", "x' }) DETACH DELETE p //", "ünï"])
def test_the_editor_link_writes_the_value_in_as_one_literal(product_id: str) -> None:
    link = browser_editor_link(Neo4jSettings(), browse_query("neighbourhood"), {"product_id": product_id})
    query = parse_qs(urlsplit(link).query)
    assert query["cmd"] == ["edit"] and query["dbms"] == ["bolt://neo4j@127.0.0.1:7687"]
    statement = query["arg"][0]
    literal = "'" + product_id.replace("\\", "\\\\").replace("'", "\\'") + "'"
    assert "$product_id" not in statement and f"{{id: {literal}}}" in statement
    assert statement.count("RETURN") == 1 and "//" not in statement.replace(literal, "")

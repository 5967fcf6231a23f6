import pytest

from taggraph.errors import CypherNotFoundError
from taggraph.graph.cypher import load_cypher, statement_names


def test_loads_a_statement_by_name() -> None:
    assert "UNWIND $rows AS row" in load_cypher("write/products")


@pytest.mark.parametrize(
    "name",
    ["../graph/cypher", "write/../../etc/passwd", "write/products.cypher", "WRITE/products", "", "x"],
)
def test_refuses_malformed_names(name: str) -> None:
    with pytest.raises(CypherNotFoundError):
        load_cypher(name)


def test_refuses_unknown_names() -> None:
    with pytest.raises(CypherNotFoundError, match="no Cypher statement"):
        load_cypher("write/does_not_exist")


def test_schema_covers_every_label_of_the_model() -> None:
    schema = " ".join(load_cypher(name) for name in statement_names("schema"))
    for label in ("Product", "Category", "Brand", "Tag", "User", "ModelRun"):
        assert f"FOR (n:{label}) REQUIRE n.id IS UNIQUE" in schema
    assert "FULLTEXT INDEX" in schema

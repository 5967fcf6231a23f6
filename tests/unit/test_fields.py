import pytest

from taggraph.jobs.ingest.fields import RowError, identifier, integer, number, text


def test_text_folds_spaces_and_control_characters() -> None:
    assert text("  Navy\tBlue\x07 shirt \n", "name", 100) == "Navy Blue shirt"


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_empty_text_is_none_unless_required(value: object) -> None:
    assert text(value, "name", 10) is None
    with pytest.raises(RowError, match="missing name"):
        text(value, "name", 10, required=True)


def test_text_rejects_nul_bad_utf8_long_and_non_text() -> None:
    with pytest.raises(RowError, match="NUL"):
        text("a\x00b", "name", 10)
    bad_bytes = b"caf\xe9".decode("utf-8", "surrogateescape")
    with pytest.raises(RowError, match="not valid UTF-8"):
        text(bad_bytes, "name", 10)
    with pytest.raises(RowError, match="more than the limit of 5"):
        text("abcdefgh", "name", 5)
    with pytest.raises(RowError, match="expected text"):
        text(12, "name", 5)


def test_text_keeps_non_latin_text() -> None:
    assert text("红色 连衣裙", "name", 10) == "红色 连衣裙"


@pytest.mark.parametrize("value", ["a b", "a\x01", "", None, "x" * 201])
def test_identifier_rejects(value: object) -> None:
    with pytest.raises(RowError):
        identifier(value, "id", 200)


def test_identifier_accepts_integers() -> None:
    assert identifier(15970, "id", 200) == "15970"


@pytest.mark.parametrize(
    ("raw", "expected"), [("379", 379.0), ("1,299", 1299.0), ("", None), (None, None), (5, 5.0)]
)
def test_number_parses(raw: object, expected: float | None) -> None:
    assert number(raw, "price") == expected


@pytest.mark.parametrize("raw", ["abc", "-1", "nan", "inf", True, [1]])
def test_number_rejects(raw: object) -> None:
    with pytest.raises(RowError):
        number(raw, "price")


def test_integer_range() -> None:
    assert integer("2012", "year", 1900, 2100) == 2012
    assert integer(" ", "year", 1900, 2100) is None
    with pytest.raises(RowError, match="outside"):
        integer("3012", "year", 1900, 2100)
    with pytest.raises(RowError, match="not an integer"):
        integer("20x2", "year", 1900, 2100)

"""Settings: prefix, .env file, and hostile or malformed values refused with the field's name."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from taggraph.graph.settings import Neo4jSettings
from taggraph.jobs.settings import IngestSettings


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGGRAPH_NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    monkeypatch.setenv("TAGGRAPH_NEO4J_PASSWORD", "s3cret-password")
    settings = Neo4jSettings()
    assert settings.uri == "neo4j+s://example.databases.neo4j.io"
    assert settings.password.get_secret_value() == "s3cret-password"
    assert "s3cret" not in repr(settings)


def test_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TAGGRAPH_BATCH_SIZE", raising=False)
    monkeypatch.delenv("TAGGRAPH_NEO4J_BOLT_PORT", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TAGGRAPH_BATCH_SIZE=123\nTAGGRAPH_NEO4J_BOLT_PORT=7999\n")
    assert IngestSettings().batch_size == 123
    assert Neo4jSettings().bolt_port == 7999


@pytest.mark.parametrize(
    "uri",
    ["", "nonsense", "http://127.0.0.1:7474", "bolt://", "bolt://host:99999", "bolt://host:0",
     "bolt://host:abc", "file:///etc/passwd", "bolt://" + "h" * 5000 + ":7687:1"],
)
def test_malformed_uris_are_refused(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    monkeypatch.setenv("TAGGRAPH_NEO4J_URI", uri)
    with pytest.raises(ValidationError, match="uri"):
        Neo4jSettings()


@pytest.mark.parametrize(
    ("name", "value"),
    [("TAGGRAPH_NEO4J_HEAP", "1g; rm -rf /"), ("TAGGRAPH_NEO4J_HEAP", ""), ("TAGGRAPH_NEO4J_BOLT_PORT", "70000"),
     ("TAGGRAPH_NEO4J_BOLT_PORT", "-1"), ("TAGGRAPH_NEO4J_PAGECACHE", "9" * 400),
     ("TAGGRAPH_BATCH_SIZE", "0"), ("TAGGRAPH_BATCH_SIZE", "10000000000"), ("TAGGRAPH_MAX_NAME_CHARS", "zero")],
)
def test_malformed_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Neo4jSettings() if "NEO4J" in name else IngestSettings()


def test_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TAGGRAPH_NEO4J_BOLT_PORT=7999\n")
    monkeypatch.setenv("TAGGRAPH_NEO4J_BOLT_PORT", "7111")
    assert Neo4jSettings().bolt_port == 7111

"""Settings: prefix, .env file, and hostile or malformed values refused with the field's name."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from taggraph.jobs.cli import main
from taggraph.settings import Role, Settings


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGGRAPH_NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    monkeypatch.setenv("TAGGRAPH_NEO4J_PASSWORD", "s3cret-password")
    settings = Settings().neo4j
    assert settings.uri == "neo4j+s://example.databases.neo4j.io"
    assert settings.password.get_secret_value() == "s3cret-password"
    assert "s3cret" not in repr(settings)


def test_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TAGGRAPH_INGEST_BATCH_SIZE", raising=False)
    monkeypatch.delenv("TAGGRAPH_NEO4J_BOLT_PORT", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TAGGRAPH_INGEST_BATCH_SIZE=123\nTAGGRAPH_NEO4J_BOLT_PORT=7999\n")
    assert Settings().ingest.batch_size == 123
    assert Settings().neo4j.bolt_port == 7999


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "nonsense",
        "http://127.0.0.1:7474",
        "bolt://",
        "bolt://host:99999",
        "bolt://host:0",
        "bolt://host:abc",
        "file:///etc/passwd",
        "bolt://" + "h" * 5000 + ":7687:1",
    ],
)
def test_malformed_uris_are_refused(monkeypatch: pytest.MonkeyPatch, uri: str) -> None:
    monkeypatch.setenv("TAGGRAPH_NEO4J_URI", uri)
    with pytest.raises(ValidationError, match="uri"):
        Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TAGGRAPH_NEO4J_HEAP", "1g; rm -rf /"),
        ("TAGGRAPH_NEO4J_HEAP", ""),
        ("TAGGRAPH_NEO4J_BOLT_PORT", "70000"),
        ("TAGGRAPH_NEO4J_BOLT_PORT", "-1"),
        ("TAGGRAPH_NEO4J_PAGECACHE", "9" * 400),
        ("TAGGRAPH_INGEST_BATCH_SIZE", "0"),
        ("TAGGRAPH_INGEST_BATCH_SIZE", "10000000000"),
        ("TAGGRAPH_INGEST_MAX_NAME_CHARS", "zero"),
    ],
)
def test_malformed_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TAGGRAPH_NEO4J_BOLT_PORT=7999\n")
    monkeypatch.setenv("TAGGRAPH_NEO4J_BOLT_PORT", "7111")
    assert Settings().neo4j.bolt_port == 7111


def test_api_keys_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGGRAPH_API_KEYS", '{"recsys": {"key": "a-long-enough-secret", "role": "read"}}')
    settings = Settings().api
    assert settings.keys["recsys"].level == Role.READ
    assert "a-long-enough-secret" not in repr(settings)


@pytest.mark.parametrize(
    "keys",
    [
        "[]",
        '{"a": {"key": "short", "role": "read"}}',
        '{"a": {"key": "a-long-enough-secret", "role": "root"}}',
        '{"a": {"key": "a-long-enough-secret", "role": "read"}, "b": {"key": "a-long-enough-secret", "role": "admin"}}',
        '{"a": {"key": "a-long-enough-secret"}}',
        '{"a": {"key": "a-long-enough-secret", "role": "read", "extra": 1}}',
    ],
)
def test_malformed_api_keys_are_refused(monkeypatch: pytest.MonkeyPatch, keys: str) -> None:
    monkeypatch.setenv("TAGGRAPH_API_KEYS", keys)
    with pytest.raises(ValidationError, match="keys"):
        Settings()


def test_api_keys_that_are_not_json_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TAGGRAPH_API_KEYS", "recsys=secret")
    with pytest.raises(SettingsError, match='"api"'):
        Settings()
    assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert "invalid setting" in error and "TAGGRAPH_API_" in error


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TAGGRAPH_API_PORT", "0"),
        ("TAGGRAPH_API_WORKERS", "0"),
        ("TAGGRAPH_API_MAX_K", "-1"),
        ("TAGGRAPH_API_MAX_BODY_BYTES", "10"),
        ("TAGGRAPH_API_NEO4J_RETRY_S", "-1"),
        ("TAGGRAPH_API_LOAD_MODELS", "maybe"),
        ("TAGGRAPH_API_TEXT_RUNTIME", "tensorrt"),
        ("TAGGRAPH_API_TEXT_RUNTIME", ""),
    ],
)
def test_malformed_api_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("TAGGRAPH_API_").lower()):
        Settings()


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("TAGGRAPH_MODELS_DIR", "/srv/models", lambda s: str(s.models_dir)),
        ("TAGGRAPH_PAGE_SIZE", "77", lambda s: s.page_size),
        ("TAGGRAPH_TAGGER_PRECISION", "fp32", lambda s: s.tagger.precision),
        ("TAGGRAPH_TAGGER_MAX_TEXT_CHARS", "99", lambda s: s.tagger.max_text_chars),
        ("TAGGRAPH_GNN_MINI_BATCH", "512", lambda s: s.gnn.mini_batch),
        ("TAGGRAPH_GNN_FANOUTS", "[5, 3]", lambda s: s.gnn.fanouts),
        ("TAGGRAPH_LINKER_EXACT_MAX", "10", lambda s: s.linker.exact_max),
        ("TAGGRAPH_LINKER_GENERATED_DIR", "/tmp/generated", lambda s: str(s.linker.generated_dir)),
        ("TAGGRAPH_API_MAX_K", "7", lambda s: s.api.max_k),
        ("TAGGRAPH_API_TEXT_RUNTIME", "torch", lambda s: s.api.text_runtime),
        ("TAGGRAPH_API_ONNX_CACHE_DIR", "/srv/onnx", lambda s: str(s.api.onnx_cache_dir)),
    ],
)
def test_each_section_reads_its_variables(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, read: Callable[[Settings], object]
) -> None:
    monkeypatch.setenv(name, value)
    expected = json.loads(value) if value.startswith("[") else value
    assert read(Settings()) == (expected if isinstance(expected, list) else type(read(Settings()))(value))


@pytest.mark.parametrize(
    "name", ["TAGGRAPH_NEO4J_BOLTPORT", "TAGGRAPH_API_MODELS_DIR", "TAGGRAPH_GNN_FANOUT"]
)
def test_a_misspelt_section_variable_is_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "1")
    with pytest.raises(ValidationError, match="Extra inputs"):
        Settings()

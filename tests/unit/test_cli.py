"""Expected failures of the CLI: one clear line on stderr, a non-zero exit, no traceback."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import taggraph
from taggraph.jobs.cli import main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def unreachable_neo4j(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TAGGRAPH_NEO4J_URI", f"bolt://127.0.0.1:{free_port()}")
    monkeypatch.setenv("TAGGRAPH_NEO4J_CONNECT_TIMEOUT_S", "1")
    monkeypatch.setenv("TAGGRAPH_PSEUDONYM_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("TAGGRAPH_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TAGGRAPH_REJECTS_DIR", str(tmp_path / "rejects"))
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_clear_line(err: str, fragment: str) -> None:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]


def test_unknown_source(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, _, err = run(capsys, "ingest", "amazon", str(demo_dir / "flipkart.csv"))
    assert code == 1
    assert_one_clear_line(err, "unknown source 'amazon'")


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "ingest", "myntra", str(tmp_path / "absent.csv"))
    assert code == 1
    assert_one_clear_line(err, "no such file or folder")


def test_wrong_column_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("sku,title\n1,Shirt\n")
    code, _, err = run(
        capsys, "ingest", "csv", str(tmp_path / "c.csv"), "--map", "id=sku", "--map", "name=nope"
    )
    assert code == 1
    assert_one_clear_line(err, "lacks the mapped column(s) nope")


def test_malformed_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("sku\n1\n")
    code, _, err = run(capsys, "ingest", "csv", str(tmp_path / "c.csv"), "--map", "sku")
    assert code == 1
    assert_one_clear_line(err, "not of the form field=column")


def test_unreachable_neo4j(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, _, err = run(capsys, "ingest", "myntra", str(demo_dir / "myntra_styles.csv"))
    assert code == 1
    assert_one_clear_line(err, "Neo4j is not reachable")


def test_graph_stats_without_neo4j(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "graph", "stats")
    assert code == 1
    assert_one_clear_line(err, "Neo4j is not reachable")


def test_invalid_setting(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGGRAPH_NEO4J_BOLT_PORT", "seventy")
    code, _, err = run(capsys, "graph", "stats")
    assert code == 2
    assert_one_clear_line(err, "invalid setting: TAGGRAPH_NEO4J_BOLT_PORT (neo4j.bolt_port)")


@pytest.mark.parametrize("flag", ["--batch-size=0", "--batch-size=abc", "--bogus"])
def test_bad_flags_are_usage_errors(capsys: pytest.CaptureFixture[str], demo_dir: Path, flag: str) -> None:
    code, _, err = run(capsys, "ingest", "myntra", str(demo_dir / "myntra_styles.csv"), flag)
    assert code == 2
    assert "Traceback" not in err


def test_clear_needs_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "graph", "clear")
    assert code == 1
    assert_one_clear_line(err, "--yes")


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["neo4j"],
        ["graph"],
        ["ingest"],
        ["neo4j", "install"],
        ["neo4j", "start"],
        ["neo4j", "stop"],
        ["neo4j", "status"],
        ["graph", "init"],
        ["graph", "stats"],
        ["graph", "clear"],
    ],
)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "Usage" in out


def test_tag_without_a_model_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "tag", "--model", str(tmp_path / "absent"))
    assert code == 1
    assert_one_clear_line(err, "no tagger model at")


def test_tag_with_an_incomplete_model_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "labels.json").write_text("[]")
    code, _, err = run(capsys, "tag", "--model", str(tmp_path / "model"))
    assert code == 1
    assert_one_clear_line(err, "is not a complete tagger model: missing config.json")


def test_eval_of_a_missing_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "tagger", "eval", str(tmp_path / "absent"))
    assert code == 1
    assert_one_clear_line(err, "no tagger model at")


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_tag_with_an_id_file_holding_no_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "ids.txt").write_bytes(content)
    code, _, err = run(capsys, "tag", "--model", str(tmp_path), "--ids", str(tmp_path / "ids.txt"))
    assert code == 1
    assert_one_clear_line(err, "holds no product id")


def test_tag_with_an_unreadable_id_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "tag", "--model", str(tmp_path), "--ids", str(tmp_path / "absent.txt"))
    assert code == 1
    assert_one_clear_line(err, "cannot read the id file")


@pytest.mark.parametrize(
    "argv",
    [
        ["tag", "--model", ".", "--page-size", "0"],
        ["tag", "--model", ".", "--page-size", "many"],
        ["tagger", "train", "myntra", "--epochs", "0"],
        ["tagger", "train", "myntra", "--max-length", "100000"],
        ["tagger", "train", "myntra", "--min-support", "-3"],
        ["tagger", "train"],
    ],
)
def test_tagger_flags_out_of_range(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err


def test_tagger_train_with_an_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "tagger", "train", "myntra")
    assert code == 1
    assert_one_clear_line(err, "Neo4j")


def test_bad_tagger_setting(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGGRAPH_PAGE_SIZE", "-5")
    code, _, err = run(capsys, "tag", "--model", ".")
    assert code == 2
    assert_one_clear_line(err, "page_size")


@pytest.mark.parametrize(
    "command",
    [
        ["extractor"],
        ["extractor", "train"],
        ["extractor", "eval"],
        ["extract"],
        ["linker"],
        ["linker", "build"],
        ["link"],
    ],
)
def test_extraction_and_linking_commands_have_help(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "Usage" in out


def test_extract_without_a_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "extract", "myntra", "--model", str(tmp_path / "absent"))
    assert code == 1
    assert_one_clear_line(err, "no extractor model at")


@pytest.mark.parametrize("mapping", ["colour", "=colour", "Color=", "Color=Not A Kind", "Color=x;DROP"])
def test_extract_with_a_bad_attribute_mapping(capsys: pytest.CaptureFixture[str], mapping: str) -> None:
    code, _, err = run(capsys, "extract", "myntra", "--attribute-kind", mapping)
    assert code == 1
    assert_one_clear_line(err, "")
    assert "attribute-kind" in err or "not a tag kind" in err


def test_extractor_train_on_missing_and_unusable_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "extractor", "train", str(tmp_path / "absent.jsonl"))
    assert code == 1
    assert_one_clear_line(err, "no such file")
    (tmp_path / "bad.jsonl").write_bytes(b"\xff\xfe\n{}\n[]\n")
    code, _, err = run(capsys, "extractor", "train", str(tmp_path / "bad.jsonl"))
    assert code == 1
    assert_one_clear_line(err, "holds no usable example (3 rows")
    assert len((tmp_path / "rejects" / "extractor.rejects.jsonl").read_text().splitlines()) == 3


def test_extractor_train_on_too_few_examples(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "one.jsonl").write_text('{"input": "red shirt", "target_scores": {"Color": "red"}}\n')
    code, _, err = run(capsys, "extractor", "train", str(tmp_path / "one.jsonl"))
    assert code == 1
    assert_one_clear_line(err, "too few")


def test_extractor_flags_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["extractor", "train", "x.jsonl", "--epochs", "0"],
        ["extractor", "train", "x.jsonl", "--max-length", "9"],
        ["link", "x.jsonl", "--page-size", "0"],
        ["extractor", "train"],
        ["link"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "Traceback" not in err


def test_linker_build_with_a_missing_tuning_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "linker", "build", "--tune", str(tmp_path / "absent.jsonl"))
    assert code == 1
    assert_one_clear_line(err, "no such file")


def test_link_with_an_unreachable_server(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "generated.jsonl").write_text('{"product_id": "p:1", "kind": "colour", "value": "red"}\n')
    code, _, err = run(capsys, "link", str(tmp_path / "generated.jsonl"))
    assert code == 1
    assert_one_clear_line(err, "Neo4j")


def test_bad_linking_setting(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAGGRAPH_LINKER_EXACT_MAX", "0")
    code, _, err = run(capsys, "linker", "build")
    assert code == 2
    assert_one_clear_line(err, "TAGGRAPH_LINKER_EXACT_MAX")


def test_serve_with_malformed_keys_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGGRAPH_API_KEYS", '{"a": {"key": "short", "role": "read"}}')
    code, _, err = run(capsys, "serve")
    assert code == 2
    assert_one_clear_line(err, "invalid setting: TAGGRAPH_API_KEYS (api.keys")


@pytest.mark.parametrize("flag", ["--port=0", "--port=http", "--workers=0", "--bogus"])
def test_serve_flags_out_of_range(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    code, _, err = run(capsys, "serve", flag)
    assert code == 2 and "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--version")
    assert (code, out, err) == (0, f"taggraph {taggraph.__version__}\n", "")
    assert run(capsys, "--version=yes")[0] == 2


def test_every_command_that_prints_a_result_has_json_output() -> None:
    import typer.main

    from taggraph.jobs.cli import app

    def commands(group: object, prefix: str = "") -> Iterator[tuple[str, object]]:
        for name in group.list_commands(None):  # type: ignore[attr-defined]
            command = group.get_command(None, name)  # type: ignore[attr-defined]
            if hasattr(command, "list_commands"):
                yield from commands(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", command

    found = dict(commands(typer.main.get_command(app)))
    assert len(found) > 20
    without = sorted(
        name for name, command in found.items() if "--json" not in {o for p in command.params for o in p.opts}
    )
    assert without == ["serve"]  # it serves; it prints no result

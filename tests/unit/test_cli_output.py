"""CLI output: tables keep every number in full in logs and narrow terminals; --json is one document."""

import json
from collections.abc import Iterator

import pytest
from rich.console import Console

from taggraph.jobs.commands import runtime
from taggraph.jobs.commands.runtime import json_mode, print_json, print_table

ROWS = [
    ("fine-tuned tagger with a long method name that fills a narrow terminal", 0.935912, 0.893301, 31059),
    ("TF-IDF + logistic regression", 0.933345, 0.887211, 4495),
]
COLUMNS = ("method", "micro-F1", "macro-F1", "products")


@pytest.fixture(autouse=True)
def speaking_console() -> Iterator[None]:
    yield
    json_mode(False)


def test_a_table_written_to_a_pipe_keeps_every_cell_whole(capsys: pytest.CaptureFixture[str]) -> None:
    print_table(COLUMNS, ROWS, title="test split")
    out = capsys.readouterr().out
    assert "…" not in out and "..." not in out
    for value in ("0.9359", "0.8933", "0.9333", "31,059", "4,495", ROWS[0][0]):
        assert value in out
    assert len([line for line in out.splitlines() if "0.9359" in line]) == 1  # one line per row


def test_a_narrow_terminal_folds_cells_but_cuts_none(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = Console(width=40, force_terminal=True, record=True, highlight=False)
    monkeypatch.setattr(runtime, "console", narrow)
    print_table(COLUMNS, ROWS)
    text = narrow.export_text()
    assert "…" not in text
    joined = "".join(text.split())
    for value in ("0.9359", "0.8933", "31,059"):
        assert value in text or value in joined


def test_json_mode_silences_tables_and_prints_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    json_mode(True)
    runtime.console.print("progress that must not reach standard output")
    print_table(COLUMNS, ROWS)
    print_json({"methods": {name: micro for name, micro, *_ in ROWS}})
    document = json.loads(capsys.readouterr().out)
    assert document["methods"]["TF-IDF + logistic regression"] == 0.933345


def test_cells_show_none_as_empty_and_keep_booleans() -> None:
    assert runtime._cell(None) == ""
    assert runtime._cell(True) == "True"
    assert runtime._cell(1234567) == "1,234,567"
    assert runtime._cell(0.123456) == "0.1235"

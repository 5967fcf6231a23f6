"""The offline review round trip: export the queue as CSV, decide in the file, apply it; every row
accepted or rejected with its reason, hostile rows refused, and a re-run changing nothing."""

import csv
import json
from pathlib import Path

import pytest

from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags
from taggraph.jobs.cli import main
from tests.support.review import CANDIDATE, SHIRT, WHITE_SHIRT

FORMAL = "tag:usage:formal"
WHITE = "tag:colour:white"


def edge(review_graph: GraphExecutor, product_id: str, tag_id: str) -> tuple | None:
    for row in product_tags(review_graph, product_id):
        if row["tag_id"] == tag_id:
            return row["source"], row["status"], row["reviewer"]
    return None


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def apply(path: Path, rejects: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["review", "apply", str(path), "--reviewer", "ana", "--rejects", str(rejects), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def rejects_of(path: Path) -> dict[int, str]:
    return {entry["row"]: entry["reason"] for entry in map(json.loads, path.read_text().splitlines())}


def test_export_decide_apply_and_apply_again(review_graph: GraphExecutor, tmp_path: Path, capsys) -> None:
    out = tmp_path / "queue.csv"
    assert main(["review", "export", str(out), "--kind", "colour", "--limit", "5000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 2
    rows = read_csv(out)
    assert [(row["product_id"], row["tag_id"], row["decision"]) for row in rows] == [
        (SHIRT, CANDIDATE, ""),
        (WHITE_SHIRT, WHITE, ""),
    ]
    for row in rows:
        row["decision"] = {WHITE: "Approve", CANDIDATE: "reject"}[row["tag_id"]]
    write_csv(out, list(rows[0]), [list(row.values()) for row in rows])
    rejects = tmp_path / "queue.rejects.jsonl"
    first = apply(out, rejects, capsys)
    assert (first["rows"], first["applied"], first["already_recorded"], first["rejected"]) == (2, 2, 0, 0)
    assert edge(review_graph, WHITE_SHIRT, WHITE) == ("human", "approved", "ana")
    assert edge(review_graph, SHIRT, CANDIDATE) == ("human", "rejected", "ana")
    again = apply(out, rejects, capsys)
    assert (again["applied"], again["already_recorded"], again["accepted"], again["rejected"]) == (0, 2, 2, 0)
    history = review_graph.read(
        "read/decision_history", product_id=None, reviewer="ana", tag_id=None, limit=10
    )
    assert len(history) == 2  # the re-run recorded nothing


def test_every_bad_row_is_rejected_with_its_reason(
    review_graph: GraphExecutor, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "decided.csv"
    header = ["product_id", "tag_id", "decision", "note"]
    rows = [
        [WHITE_SHIRT, WHITE, "approve", "ok"],  # 1
        [SHIRT, FORMAL, "", "undecided"],  # 2
        [SHIRT, FORMAL, "maybe", "x"],  # 3
        ["", FORMAL, "approve", "x"],  # 4
        [SHIRT, "tag:usage:formal\x00", "approve", "x"],  # 5
        ["myntra:0", WHITE, "approve", "x"],  # 6 no such product
        [WHITE_SHIRT, WHITE, "approve", "again"],  # 7 repeats 1
        [SHIRT, "tag:usage:casual", "approve", "x"],  # 8 contradicted by 9
        [SHIRT, "tag:usage:casual", "reject", "x"],  # 9
        [SHIRT, FORMAL, "approve"],  # 10 a field short
        ["x" * 300, FORMAL, "approve", "x"],  # 11
        [SHIRT, '=HYPERLINK("http://evil")', "reject", "x"],  # 12 no such tag
    ]
    write_csv(path, header, rows)
    with path.open("ab") as handle:
        handle.write(b"myntra:\xff\xfe,tag:colour:white,approve,x\n")  # 13 not UTF-8
    rejects = tmp_path / "decided.rejects.jsonl"
    report = apply(path, rejects, capsys)
    assert report["rows"] == len(rows) + 1 and report["accepted"] + report["rejected"] == len(rows) + 1
    assert report["applied"] == 1
    reasons = rejects_of(rejects)
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert reasons[13] == "not UTF-8 text"
    assert "no decision" in reasons[2] and "neither approve nor reject" in reasons[3]
    assert "no product_id" in reasons[4] and "not an id" in reasons[5] and "not an id" in reasons[11]
    assert reasons[6] == "no such product or tag" and reasons[12] == "no such product or tag"
    assert reasons[7] == "repeats row 1" and "other way" in reasons[8] and reasons[9] == "contradicts row 8"
    assert "malformed row" in reasons[10]
    assert edge(review_graph, SHIRT, FORMAL) == ("tagger", "proposed", None)
    assert edge(review_graph, SHIRT, "tag:usage:casual")[0] == "catalog"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no column product_id"),
        (b"id,tag,choice\n1,2,approve\n", "no column product_id, tag_id, decision"),
        (b"product_id,tag_id,\xffdecision\nx,y,approve\n", "the header is not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(
    review_graph: GraphExecutor, tmp_path: Path, capsys, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = product_tags(review_graph, SHIRT)
    assert (
        main(["review", "apply", str(path), "--reviewer", "ana", "--rejects", str(tmp_path / "r.jsonl")]) == 1
    )
    assert message in capsys.readouterr().err
    assert product_tags(review_graph, SHIRT) == before


def test_hostile_options_are_refused(review_graph: GraphExecutor, tmp_path: Path, capsys) -> None:
    out = tmp_path / "q.csv"
    assert main(["review", "export", str(out), "--kind", "colour' OR 1=1"]) == 1
    assert main(["review", "export", str(out), "--limit", "0"]) == 2
    assert main(["review", "export", str(out), "--min-score", "2"]) == 2
    assert main(["review", "apply", str(tmp_path / "missing.csv"), "--reviewer", "ana"]) == 1
    out.write_text("product_id,tag_id,decision\n")
    assert main(["review", "apply", str(out), "--reviewer", "a b"]) == 1
    assert not (tmp_path / "r.jsonl").exists()


def test_exported_text_cannot_run_as_a_spreadsheet_formula(
    review_graph: GraphExecutor, tmp_path: Path
) -> None:
    out = tmp_path / "q.csv"
    review_graph.write(
        "write/tagger_proposals",
        rows=[{"product_id": SHIRT, "tags": [{"tag_id": "tag:season:summer", "score": 0.2}]}],
        source="tagger",
        model="=cmd|' /C calc'!A0",
    )
    assert main(["review", "export", str(out)]) == 0
    row = next(row for row in read_csv(out) if row["tag_id"] == "tag:season:summer")
    assert row["model"] == "'=cmd|' /C calc'!A0" and row["product_id"] == SHIRT

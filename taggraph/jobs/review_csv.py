"""The review queue as a CSV file for offline decisions, and applying the filled-in file.

Export writes one row per proposal, least confident first, with an empty ``decision`` column.
Apply reads the file back: each row is accepted (its decision is in the graph, recorded by this
run or an earlier one) or rejected with its reason in the rejects file, so accepted + rejected =
rows, and a second run of the same file changes nothing. Decisions go through
:func:`taggraph.core.decisions.apply_decisions`, the write path of the API and the review page.
"""

import contextlib
import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taggraph.core.decisions import REASONS, Decision, apply_decisions
from taggraph.core.review import QueueFilters, proposals_to_decide
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.ingest.records import SourceRow
from taggraph.jobs.ingest.rejects import RejectsFile

COLUMNS = (
    *("product_id", "tag_id", "decision", "kind", "tag_name"),
    *("score", "source", "model", "surface", "product_name"),
)
REQUIRED = ("product_id", "tag_id", "decision")
ACTIONS = {"approve": "approve", "reject": "reject"}
MAX_ID_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
"""Bytes that were not UTF-8, as the surrogateescape error handler reads them."""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ALREADY = REASONS["unchanged"]


@dataclass(frozen=True)
class ApplyReport:
    """What applying a decisions file did.

    Attributes:
        rows: Data rows read.
        applied: Decisions recorded by this run.
        already: Decisions the graph already held (an earlier run, or the same decision by
            someone else).
        rejected: Rows rejected, each with its reason in the rejects file.
        rejects_path: The rejects file.

    """

    rows: int
    applied: int
    already: int
    rejected: int
    rejects_path: Path

    @property
    def accepted(self) -> int:
        """Rows whose decision is in the graph."""
        return self.applied + self.already


def export_queue(executor: GraphExecutor, filters: QueueFilters, limit: int, path: Path) -> int:
    """Write up to ``limit`` proposals under ``filters`` to ``path`` as CSV; the number written.

    The file is written whole or not at all. Text cells that a spreadsheet would run as a
    formula (starting with ``=``, ``+``, ``-`` or ``@``) are written with a leading quote.
    """
    rows = proposals_to_decide(executor, filters, limit)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow(_export_cells(row))
        os.replace(partial, path)
    except OSError as error:
        with contextlib.suppress(OSError):  # there may be no folder to remove it from
            partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {error.strerror}") from error
    return len(rows)


def _export_cells(row: dict[str, Any]) -> list[str]:
    values = {**row, "decision": ""}
    cells = []
    for column in COLUMNS:
        value = values.get(column)
        text = "" if value is None else str(value)
        if column not in REQUIRED and text.startswith(_FORMULA_START):
            text = "'" + text
        cells.append(text)
    return cells


@dataclass(frozen=True)
class _Row:
    number: int
    raw: object
    decision: Decision | None = None
    reason: str | None = None


def apply_file(
    executor: GraphExecutor, path: Path, reviewer: str, rejects_path: Path, batch_size: int = 500
) -> ApplyReport:
    """Apply the filled-in rows of a decisions file as ``reviewer``'s decisions.

    A row is rejected when it cannot be read, lacks a product or tag id, has no decision or one
    other than approve/reject, repeats an earlier row, contradicts another row on the same edge,
    names no such product or tag, or decides an edge to a tag that is not active.

    Raises:
        InputError: If the file cannot be read or lacks a required column.

    """
    rows = list(_read_rows(path))
    _mark_conflicts(rows)
    applied = already = 0
    with RejectsFile(rejects_path) as rejects:
        for row in rows:
            if row.reason is not None:
                rejects.add(SourceRow(path.name, row.number, reason=row.reason, raw=row.raw))
        pending = [row for row in rows if row.reason is None]
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            outcome = apply_decisions(executor, [row.decision for row in batch if row.decision], reviewer)
            skipped = {item.index: item.reason for item in outcome.not_applied}
            for index, row in enumerate(batch):
                reason = skipped.get(index)
                if reason is None:
                    applied += 1
                elif reason == ALREADY:
                    already += 1
                else:
                    rejects.add(SourceRow(path.name, row.number, reason=reason, raw=row.raw))
        rejected = rejects.count
    return ApplyReport(len(rows), applied, already, rejected, rejects_path)


def _read_rows(path: Path) -> Iterator[_Row]:
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error
    with handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader, [])]
        except csv.Error as error:
            raise InputError(f"{path}: the header cannot be read: {error}") from error
        if any(_NOT_UTF8.search(name) for name in header):
            raise InputError(f"{path}: the header is not UTF-8 text")
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise InputError(f"{path}: no column {', '.join(missing)} (the header has: {', '.join(header)})")
        positions = {name: header.index(name) for name in REQUIRED}
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield _Row(number, None, reason=f"unreadable row: {error}")
                continue
            yield _parse(number, cells, header, positions)


def _parse(number: int, cells: list[str], header: list[str], positions: dict[str, int]) -> _Row:
    raw = dict(zip(header, cells, strict=False))
    if any(_NOT_UTF8.search(cell) for cell in cells):
        return _Row(number, raw, reason="not UTF-8 text")
    if len(cells) != len(header):
        return _Row(number, raw, reason=f"malformed row: {len(cells)} fields, the header has {len(header)}")
    product_id, tag_id, decision = (cells[positions[name]].strip() for name in REQUIRED)
    for name, value in (("product_id", product_id), ("tag_id", tag_id)):
        if not value:
            return _Row(number, raw, reason=f"no {name}")
        if len(value) > MAX_ID_CHARS or _CONTROL.search(value):
            return _Row(
                number, raw, reason=f"{name} is not an id (control characters or over {MAX_ID_CHARS})"
            )
    if not decision:
        return _Row(number, raw, reason="no decision (approve or reject)")
    action = ACTIONS.get(decision.lower())
    if action is None:
        return _Row(number, raw, reason=f"decision {decision[:40]!r} is neither approve nor reject")
    return _Row(number, raw, Decision(action, tag_id, product_id))  # type: ignore[arg-type]


def _mark_conflicts(rows: list[_Row]) -> None:
    """Reject rows that repeat an earlier row, and every row of an edge decided two ways."""
    first: dict[tuple[str, str], _Row] = {}
    contradicted: dict[tuple[str, str], int] = {}
    for position, row in enumerate(rows):
        if row.decision is None:
            continue
        key = (row.decision.product_id or "", row.decision.tag_id)
        earlier = first.setdefault(key, row)
        if earlier is row:
            continue
        if earlier.decision == row.decision:
            rows[position] = _Row(row.number, row.raw, reason=f"repeats row {earlier.number}")
        else:
            contradicted.setdefault(key, earlier.number)
            rows[position] = _Row(row.number, row.raw, reason=f"contradicts row {earlier.number}")
    for position, row in enumerate(rows):
        if row.decision is None:
            continue
        key = (row.decision.product_id or "", row.decision.tag_id)
        if key in contradicted and first[key] is row:
            rows[position] = _Row(row.number, row.raw, reason="another row decides this edge the other way")

"""Row readers for CSV and JSON Lines that never stop on a bad row.

Bytes are decoded with ``surrogateescape``, so a row with invalid UTF-8 is read, then
rejected by field validation with its row number, instead of failing the whole file.
"""

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from taggraph.errors import InputError

csv.field_size_limit(sys.maxsize)

RawRow = dict[str, object]


def open_text(path: Path):  # type: ignore[no-untyped-def]
    """Open ``path`` for reading rows, with a clear error when it cannot be.

    Args:
        path: File to open.

    Returns:
        A text file object decoding UTF-8 with ``surrogateescape``.

    Raises:
        InputError: If the file is missing, a directory, or unreadable.

    """
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if not path.is_file():
        raise InputError(f"not a file: {path}")
    try:
        return path.open("r", encoding="utf-8", errors="surrogateescape", newline="")
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error


def csv_header(path: Path) -> list[str]:
    """The header row of a CSV file.

    Raises:
        InputError: If the file is empty or its header is empty.

    """
    with open_text(path) as handle:
        header = next(csv.reader(handle), None)
    if not header or not any(column.strip() for column in header):
        raise InputError(f"{path} is empty or has no header row")
    return [column.strip().lstrip("\ufeff") for column in header]


def csv_rows(path: Path) -> Iterator[tuple[int, RawRow | None, str | None]]:
    """Yield ``(row number, row, error)`` for each data row of a CSV file with a header.

    A row with more fields than the header keeps the extras under ``"__extra__"``; a row with
    fewer fields is an error. Blank lines are skipped and not counted.

    Args:
        path: CSV file.

    Yields:
        1-based row number, the row as a dict (or None) and an error message (or None).

    Raises:
        InputError: If the file cannot be read or has no header.

    """
    header = csv_header(path)
    with open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader)
        number = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                number += 1
                yield number, None, f"malformed CSV: {error}"
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            number += 1
            if len(fields) < len(header):
                yield number, None, f"expected {len(header)} fields, got {len(fields)}"
                continue
            row: RawRow = dict(zip(header, fields, strict=False))
            if len(fields) > len(header):
                row["__extra__"] = fields[len(header) :]
            yield number, row, None


def jsonl_rows(path: Path) -> Iterator[tuple[int, RawRow | None, str | None]]:
    """Yield ``(row number, object, error)`` for each non-blank line of a JSON Lines file.

    Args:
        path: JSON Lines file.

    Yields:
        1-based row number, the object (or None) and an error message (or None).

    Raises:
        InputError: If the file cannot be read.

    """
    with open_text(path) as handle:
        number = 0
        for line in handle:
            if not line.strip():
                continue
            number += 1
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, None, f"malformed JSON: {error.msg} at column {error.colno}"
                continue
            if not isinstance(value, dict):
                yield number, None, f"expected a JSON object, got {type(value).__name__}"
                continue
            yield number, value, None

"""What every source shares: field limits, the pseudonymiser, the column check, row building."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from taggraph.core.identity import Pseudonymiser
from taggraph.errors import InputError
from taggraph.jobs.ingest.fields import RowError
from taggraph.jobs.ingest.readers import RawRow, csv_header, csv_rows
from taggraph.jobs.ingest.records import ProductRecord, Record, SourceRow
from taggraph.settings import IngestSettings


@dataclass(frozen=True)
class SourceContext:
    """Limits and keys every source applies."""

    pseudonymiser: Pseudonymiser
    max_id_chars: int = 200
    max_name_chars: int = 1000
    max_description_chars: int = 20_000

    @classmethod
    def from_settings(cls, settings: IngestSettings, pseudonymiser: Pseudonymiser) -> "SourceContext":
        """Take the limits from the ingest settings."""
        return cls(
            pseudonymiser=pseudonymiser,
            max_id_chars=settings.max_id_chars,
            max_name_chars=settings.max_name_chars,
            max_description_chars=settings.max_description_chars,
        )


class Source(Protocol):
    """A catalog format: ``rows(path)`` yields every input row, accepted or rejected."""

    name: str

    def check(self, path: Path) -> None:
        """Raise :class:`InputError` if ``path`` cannot be read as this source, before writes."""
        ...

    def rows(self, path: Path) -> Iterator[SourceRow]:
        """Yield each input row of the files at ``path`` in a stable order."""
        ...


def require_columns(path: Path, needed: Iterable[str]) -> None:
    """Fail early, naming what is missing, when a CSV lacks columns a source needs.

    Raises:
        InputError: If a needed column is absent.

    """
    header = csv_header(path)
    missing = [column for column in needed if column not in header]
    if missing:
        raise InputError(f"{path.name} lacks the column(s) {', '.join(missing)}; it has {', '.join(header)}")


def build_rows(
    file: str,
    raw_rows: Iterable[tuple[int, RawRow | None, str | None]],
    build: Callable[[RawRow], tuple[Record, ...]],
    shown: Callable[[RawRow], object] = lambda raw: raw,
) -> Iterator[SourceRow]:
    """Turn read rows into source rows: ``build`` gives the records or raises :class:`RowError`.

    Args:
        file: File name the rows came from.
        raw_rows: ``(row number, row or None, read error or None)`` from a reader.
        build: Records of one row; raises ``RowError`` with the reason to reject it.
        shown: What of the raw row may be kept (in a rejects file).

    Yields:
        One source row per read row, accepted or rejected.

    """
    for number, raw, error in raw_rows:
        if raw is None:
            yield SourceRow(file, number, reason=error)
            continue
        try:
            records = build(raw)
        except RowError as row_error:
            yield SourceRow(file, number, reason=str(row_error), raw=shown(raw))
            continue
        yield SourceRow(file, number, records=records, raw=shown(raw))


class CsvProductSource:
    """A catalog of one CSV file with a header and one product per row.

    Subclasses set ``name`` and ``columns`` and build a product from a row in :meth:`product`.

    Args:
        context: Limits and keys.

    """

    name = "csv"
    columns: tuple[str, ...] = ()

    def __init__(self, context: SourceContext) -> None:
        self._context = context

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def check(self, path: Path) -> None:
        """Fail early, before any write, when ``path`` is not a readable file with the columns."""
        require_columns(path, self.columns)

    def rows(self, path: Path) -> Iterator[SourceRow]:
        """Yield one row per data line of ``path``."""
        self.check(path)
        yield from build_rows(path.name, csv_rows(path), lambda raw: (self.product(raw),))

    def product(self, raw: RawRow) -> ProductRecord:
        """Build the product of one row.

        Raises:
            RowError: With the reason the row is rejected.

        """
        raise NotImplementedError

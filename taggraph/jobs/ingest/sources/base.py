"""What every source shares: field limits, the pseudonymiser, and the column check."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from taggraph.graph.errors import InputError
from taggraph.jobs.ingest.pseudonym import Pseudonymiser
from taggraph.jobs.ingest.readers import csv_header
from taggraph.jobs.ingest.records import SourceRow
from taggraph.jobs.settings import IngestSettings


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
        raise InputError(
            f"{path.name} lacks the column(s) {', '.join(missing)}; it has {', '.join(header)}"
        )

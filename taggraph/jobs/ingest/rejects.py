"""The rejects file: one JSON line per row that could not be taken, with its reason."""

import json
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from taggraph.errors import InputError
from taggraph.jobs.ingest.records import SourceRow

_MAX_RAW_CHARS = 2000


class RejectsFile:
    """Writes rejected rows to ``path``, all or nothing.

    Rows go to ``<path>.<pid>.partial``, which replaces ``path`` only when the run ends without
    an error; a failed run (a full disk, an interrupted ingest) leaves the earlier file as it was,
    and two runs at once each write a whole file.

    Args:
        path: Rejects file, JSON Lines.

    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        self.count = 0
        self._handle: IO[str] | None = None

    def __repr__(self) -> str:
        return f"RejectsFile({str(self.path)!r}, count={self.count})"

    def __enter__(self) -> "RejectsFile":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.partial.open("w", encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot write the rejects file {self.path}: {error.strerror}") from error
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._handle is None:
            return
        try:
            self._handle.close()
            if error is None:
                os.replace(self.partial, self.path)
        except OSError as failure:
            raise InputError(f"cannot write the rejects file {self.path}: {failure.strerror}") from failure
        finally:
            self.partial.unlink(missing_ok=True)

    def add(self, row: SourceRow) -> None:
        """Append one rejected row.

        Args:
            row: A row whose ``reason`` is set.

        """
        assert self._handle is not None, "use RejectsFile as a context manager"
        entry = {"file": row.file, "row": row.number, "reason": row.reason, "raw": _printable(row.raw)}
        try:
            self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as error:
            raise InputError(f"cannot write the rejects file {self.path}: {error.strerror}") from error
        self.count += 1


def _printable(raw: object) -> object:
    """The raw row made JSON-safe: bad bytes shown as U+FFFD, long values cut."""
    if isinstance(raw, dict):
        return {str(key): _printable(value) for key, value in raw.items()}
    if isinstance(raw, list | tuple):
        return [_printable(value) for value in raw]
    if isinstance(raw, str):
        safe = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return safe if len(safe) <= _MAX_RAW_CHARS else safe[:_MAX_RAW_CHARS] + "…"
    return raw

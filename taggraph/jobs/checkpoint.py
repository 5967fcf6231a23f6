"""Progress of one ingest, so an interrupted run resumes after the last committed batch."""

import hashlib
import json
import os
from pathlib import Path

from taggraph.graph.errors import InputError


def input_fingerprint(source: str, path: Path, options: list[str]) -> str:
    """Identify an ingest by source, options and the size and mtime of every input file.

    Args:
        source: Source name.
        path: Input file or folder.
        options: Options that change what is written (such as a column mapping).

    Returns:
        A hex digest; a changed file gives a different one, so its checkpoint is not reused.

    """
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    digest = hashlib.sha256(f"{source}\n{path.resolve()}\n{options}".encode())
    for file in files:
        if file.is_file():
            stat = file.stat()
            digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


class Checkpoint:
    """A small JSON file holding how many records of an ingest are committed.

    Args:
        path: The checkpoint file.

    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"Checkpoint({str(self.path)!r})"

    def load(self) -> int:
        """Records already committed by an earlier, interrupted run (0 if none)."""
        try:
            return int(json.loads(self.path.read_text(encoding="utf-8"))["written"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return 0

    def save(self, written: int) -> None:
        """Record that ``written`` records are committed (atomic replace)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".partial")
            partial.write_text(json.dumps({"written": written}), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as error:
            raise InputError(f"cannot write the ingest checkpoint {self.path}: {error.strerror}") from error

    def clear(self) -> None:
        """Forget the progress: the ingest finished."""
        self.path.unlink(missing_ok=True)

"""Progress of a long job, so an interrupted run resumes after its last committed batch."""

import json
import os
from pathlib import Path
from typing import Any

from taggraph.errors import InputError


class Checkpoint:
    """A small JSON file holding how far a job has committed its work.

    The position is any JSON value the job chooses: a count of records for an ingest, the
    last product id for a tagging run.

    Args:
        path: The checkpoint file.

    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"Checkpoint({str(self.path)!r})"

    def load(self, default: Any) -> Any:
        """The position an earlier, interrupted run reached, or ``default`` if none."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))["position"]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return default

    def save(self, position: Any) -> None:
        """Record that the work up to ``position`` is committed (atomic replace).

        Raises:
            InputError: If the file cannot be written.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.partial")  # one per concurrent run
            partial.write_text(json.dumps({"position": position}), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as error:
            raise InputError(f"cannot write the checkpoint {self.path}: {error.strerror}") from error

    def clear(self) -> None:
        """Forget the progress: the job finished."""
        self.path.unlink(missing_ok=True)

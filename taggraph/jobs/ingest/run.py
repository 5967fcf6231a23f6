"""The ingest job: read a source's rows, reject what cannot be taken, write the rest in batches."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from taggraph.graph.writer import BatchWriter
from taggraph.jobs.checkpoint import Checkpoint
from taggraph.jobs.ingest.fingerprint import input_fingerprint
from taggraph.jobs.ingest.records import ProductRecord, Record, SourceRow
from taggraph.jobs.ingest.rejects import RejectsFile
from taggraph.jobs.ingest.sink import GraphSink
from taggraph.jobs.ingest.sources.base import Source


@dataclass
class FileCounts:
    """Rows of one input file: every row is either accepted or rejected."""

    input: int = 0
    accepted: int = 0
    rejected: int = 0


@dataclass
class IngestReport:
    """What an ingest did."""

    source: str
    path: Path
    rejects_path: Path
    files: dict[str, FileCounts] = field(default_factory=dict)
    products: int = 0
    interactions: int = 0
    resumed_after: int = 0
    seconds: float = 0.0

    @property
    def input(self) -> int:
        """Input rows over all files."""
        return sum(counts.input for counts in self.files.values())

    @property
    def accepted(self) -> int:
        """Accepted rows over all files."""
        return sum(counts.accepted for counts in self.files.values())

    @property
    def rejected(self) -> int:
        """Rejected rows over all files."""
        return sum(counts.rejected for counts in self.files.values())


class _Duplicates:
    """Finds products whose id was already taken from an earlier row.

    Each id keeps where it was first read and the hash of its record, which tells an exact
    repeat from a conflicting one within this run (a record's hash is four times cheaper than
    a digest of its text, and the ids live no longer than the run).
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, int, int]] = {}

    def reason(self, row: SourceRow) -> str | None:
        for record in row.records:
            if not isinstance(record, ProductRecord):
                continue
            digest = hash(record)
            earlier = self._seen.get(record.id)
            if earlier is None:
                self._seen[record.id] = (row.file, row.number, digest)
                continue
            file, number, earlier_digest = earlier
            where = f"row {number}" if file == row.file else f"{file} row {number}"
            if earlier_digest == digest:
                return f"duplicate of {where} (id {record.native_id})"
            return f"conflicting duplicate of {where} (id {record.native_id}, other values)"
        return None


def run_ingest(
    source: Source,
    path: Path,
    writer: BatchWriter,
    rejects_dir: Path,
    state_dir: Path,
    batch_size: int,
    options: list[str] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest ``path`` through ``source`` into the graph.

    Every input row is counted once, as accepted or rejected; rejected rows go to
    ``<rejects_dir>/<source>.rejects.jsonl`` with their file, row number and reason. Writes are
    idempotent (``MERGE``), so running twice leaves the same graph; an interrupted run
    resumes after its last committed batch.

    Args:
        source: The source format.
        path: Input file or folder.
        writer: The batched writer.
        rejects_dir: Folder of the rejects file.
        state_dir: Folder of the checkpoints.
        batch_size: Records per write transaction.
        options: Options that change what is written, part of the checkpoint's key.
        on_rows: Called with the number of rows read since the last call.

    Returns:
        The report; ``accepted + rejected == input``.

    """
    started = time.perf_counter()
    report = IngestReport(source.name, path, rejects_dir / f"{source.name}.rejects.jsonl")
    checkpoint = Checkpoint(state_dir / f"{input_fingerprint(source.name, path, options or [])}.json")
    sink = GraphSink(writer, checkpoint, batch_size)
    report.resumed_after = sink.skip
    with RejectsFile(report.rejects_path) as rejects, sink:
        for record in accepted_records(source, path, report, rejects, on_rows):
            sink.add(record)
        sink.finish()
    report.seconds = time.perf_counter() - started
    return report


def accepted_records(
    source: Source,
    path: Path,
    report: IngestReport,
    rejects: RejectsFile,
    on_rows: Callable[[int], None] | None = None,
) -> Iterator[Record]:
    """The records of every accepted row of ``path``, in input order; the other rows to ``rejects``.

    A row is rejected by its source (with the source's reason) or as a duplicate of an earlier
    product. Every row is counted in ``report`` once, as accepted or rejected.

    Args:
        source: The source format.
        path: Input file or folder.
        report: Counts rows per file, products and interactions.
        rejects: Where rejected rows go.
        on_rows: Called with the number of rows read since the last call.

    """
    duplicates = _Duplicates()
    for row in source.rows(path):
        counts = report.files.setdefault(row.file, FileCounts())
        counts.input += 1
        if not row.rejected:
            reason = duplicates.reason(row)
            if reason is not None:
                row = SourceRow(row.file, row.number, reason=reason, raw=row.raw)
        if row.rejected:
            counts.rejected += 1
            rejects.add(row)
        else:
            counts.accepted += 1
            for record in row.records:
                if isinstance(record, ProductRecord):
                    report.products += 1
                else:
                    report.interactions += 1
                yield record
        if on_rows is not None:
            on_rows(1)

"""The one batched writer: named UNWIND statements over `$rows`, a managed transaction a batch."""

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from taggraph.graph.connection import GraphExecutor

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of at most ``size`` consecutive items.

    Args:
        items: Any iterable.
        size: Batch size, at least 1.

    Yields:
        Non-empty lists, in input order.

    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class BatchWriter:
    """Writes rows through named statements that unwind `$rows`, one retried transaction a batch.

    Args:
        executor: Executor on the target database.
        batch_size: Rows per transaction.

    """

    def __init__(self, executor: GraphExecutor, batch_size: int = 5000) -> None:
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")
        self._executor = executor
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"BatchWriter({self._executor!r}, batch_size={self.batch_size})"

    def write(self, name: str, rows: Sequence[dict[str, Any]], **parameters: Any) -> int:
        """Write ``rows`` through statement ``name`` in batches.

        Args:
            name: Statement name; the statement reads ``$rows``.
            rows: Row dictionaries.
            **parameters: Further parameters, the same for every batch.

        Returns:
            The number of rows written.

        """
        for batch in batched(rows, self.batch_size):
            self._executor.write(name, rows=batch, **parameters)
        return len(rows)

    def write_together(self, steps: Sequence[tuple[str, Sequence[dict[str, Any]]]]) -> None:
        """Write one batch through several statements in a single transaction.

        Args:
            steps: ``(statement name, rows)`` pairs in order; steps without rows are skipped.

        """
        runnable = [(name, {"rows": list(rows)}) for name, rows in steps if rows]
        if runnable:
            self._executor.write_steps(runnable)

"""Graph reads and writes overlapped with model work, page by page.

The next page is read, and the last one written, while the model scores the current one. The
Neo4j driver and torch both release the GIL while they wait or compute, so one reader
thread and one writer thread are enough to hide most of the graph's latency.
"""

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order while a background thread fetches up to ``depth`` more.

    An exception raised while fetching is raised here, at the item it stopped.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            put(error)

    thread = threading.Thread(target=fetch, name="taggraph-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()


class OrderedWriter(Generic[T]):
    """Runs writes on one background thread, one at a time, in the order they were submitted.

    ``submit`` returns once the previous write has finished and its ``done`` callback has run,
    so at most one write is in flight and callbacks (checkpoints) follow the commit order.
    ``close`` (or leaving the ``with`` block) waits for the last write.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="taggraph-writer")
        self._pending: tuple[Future[T], Callable[[T], None]] | None = None

    def __repr__(self) -> str:
        return f"OrderedWriter(pending={self._pending is not None})"

    def __enter__(self) -> "OrderedWriter[T]":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.flush()
        finally:
            self._pool.shutdown(wait=True)

    def submit(self, write: Callable[[], T], done: Callable[[T], None]) -> None:
        """Wait for the previous write, then start ``write``; ``done`` gets its result later."""
        self.flush()
        self._pending = (self._pool.submit(write), done)

    def flush(self) -> None:
        """Wait for the write in flight (raising its error) and run its callback."""
        if self._pending is not None:
            future, done = self._pending
            self._pending = None
            done(future.result())

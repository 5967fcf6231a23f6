"""Graph calls of the service: a fixed set of threads, a bounded queue, and an answer in time.

A Neo4j that accepts connections but never answers must not take the whole service with it:
each call gets ``timeout_s`` (queueing included) before the request is answered 503, the threads
it holds stay counted until the driver lets go, and once ``workers + queue`` calls are in flight
new ones are refused at once. Routes that do not read the graph (the probes, metrics, tagging
text) never wait here.
"""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from taggraph.errors import Neo4jUnavailableError

P = ParamSpec("P")
T = TypeVar("T")


class GraphBusyError(Neo4jUnavailableError):
    """Every graph thread and queue place is taken; the caller should come back later."""


class GraphTimeoutError(Neo4jUnavailableError):
    """A graph call did not finish within the service's timeout."""


class GraphGate:
    """Runs blocking graph calls on ``workers`` threads with at most ``queue`` more waiting.

    Args:
        workers: Threads that run graph calls.
        queue: Calls that may wait for a thread beyond those running.
        timeout_s: Seconds a call may take, waiting included, before :class:`GraphTimeoutError`.

    """

    def __init__(self, workers: int, queue: int, timeout_s: float) -> None:
        self.capacity = workers + queue
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="taggraph-graph")
        self._lock = threading.Lock()
        self._in_flight = 0

    def __repr__(self) -> str:
        return f"GraphGate(capacity={self.capacity}, timeout_s={self.timeout_s}, in_flight={self.in_flight})"

    @property
    def in_flight(self) -> int:
        """Calls submitted whose thread has not finished (a timed-out call still counts)."""
        return self._in_flight

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``call(*args, **kwargs)`` on a graph thread, within the timeout.

        Raises:
            GraphBusyError: If every thread and queue place is taken.
            GraphTimeoutError: If it does not finish within ``timeout_s``.

        """
        return await self.run_for(self.timeout_s, call, *args, **kwargs)

    async def run_for(self, seconds: float, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """:meth:`run` with a timeout of ``seconds`` (a batch of calls in one thread)."""
        with self._lock:
            if self._in_flight >= self.capacity:
                raise GraphBusyError("the service is at its limit of graph requests; retry shortly")
            self._in_flight += 1
        future: Future[T] = self._pool.submit(call, *args, **kwargs)
        future.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), seconds)
        except TimeoutError:
            future.cancel()  # dropped if it still waits for a thread; a running call runs out
            raise GraphTimeoutError(f"the graph did not answer within {seconds:g} s") from None

    async def answers(self, call: Callable[[], object]) -> bool:
        """Whether ``call()`` (a connectivity check) finishes without error within the timeout."""
        try:
            await self.run(call)
        except Neo4jUnavailableError:
            return False
        return True

    def close(self) -> None:
        """Stop taking calls; threads still blocked in the driver end when it lets go."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _release(self, _: Future[T]) -> None:
        with self._lock:
            self._in_flight -= 1

"""Requests that run a model, answered together: one forward pass for the texts that arrive at once.

A :class:`MicroBatcher` takes one input per caller, waits up to ``max_wait_s`` for others to
arrive (at most ``max_batch``), runs the batch function once on them all and hands each caller
its own result; an input seen recently is answered from a cache without running the model. Its
worker thread ends after ``idle_s`` without work and starts again with the next input, so the
batchers of models replaced by a reload leave no thread behind; ``on_thread_start`` runs first in
each worker thread (a model's thread count, which PyTorch's OpenMP backend keeps per thread).
"""

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

Item = TypeVar("Item", bound=Hashable)
Result = TypeVar("Result")


class MicroBatcher(Generic[Item, Result]):
    """Runs ``batch_function`` on the inputs of concurrent callers at once, with an LRU cache.

    Args:
        batch_function: Inputs -> one result per input, in order.
        max_batch: Most inputs in one call.
        max_wait_s: How long the first input of a batch waits for others.
        cache_size: Results kept for repeated inputs (0: none).
        idle_s: Seconds without work after which the worker thread ends.
        on_thread_start: Called first in each worker thread.

    """

    def __init__(
        self,
        batch_function: Callable[[list[Item]], list[Result]],
        max_batch: int = 32,
        max_wait_s: float = 0.002,
        cache_size: int = 10_000,
        idle_s: float = 30.0,
        on_thread_start: Callable[[], object] | None = None,
    ) -> None:
        self._function = batch_function
        self._on_thread_start = on_thread_start
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._cache: OrderedDict[Item, Result] = OrderedDict()
        self._cache_size = cache_size
        self._idle_s = idle_s
        self._lock = threading.Lock()
        self._pending: list[tuple[Item, Future[Result]]] = []
        self._ready = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None

    async def __call__(self, item: Item) -> Result:
        """The result for ``item``, from the cache or from the next batch (the caller's loop stays free).

        Raises:
            Exception: Whatever ``batch_function`` raised for the batch ``item`` was in.

        """
        with self._lock:
            if item in self._cache:
                self._cache.move_to_end(item)
                return self._cache[item]
            future: Future[Result] = Future()
            self._pending.append((item, future))
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="micro-batcher", daemon=True)
                self._worker.start()
            self._ready.notify()
        return await asyncio.wrap_future(future)

    def _run(self) -> None:
        if self._on_thread_start is not None:
            self._on_thread_start()
        while True:
            with self._lock:
                if not self._pending:
                    self._ready.wait(self._idle_s)
                if not self._pending:
                    self._worker = None
                    return
                deadline = time.monotonic() + self._max_wait_s
                while len(self._pending) < self._max_batch and (left := deadline - time.monotonic()) > 0:
                    self._ready.wait(left)
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            self._answer(batch)

    def _answer(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        distinct = list(dict.fromkeys(item for item, _ in batch))
        try:
            results = dict(zip(distinct, self._function(distinct), strict=True))
        except Exception as error:  # noqa: BLE001 - handed to every caller of the batch
            for _, future in batch:
                future.set_exception(error)
            return
        with self._lock:
            for item in distinct:
                self._cache[item] = results[item]
                self._cache.move_to_end(item)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        for item, future in batch:
            future.set_result(results[item])

"""Concurrent model calls answered in one batch, repeated inputs from the cache, errors to every caller."""

import asyncio
import threading

from taggraph.core.batching import MicroBatcher


class Recorder:
    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, items: list[str]) -> list[str]:
        with self.lock:
            self.batches.append(list(items))
        if self.fail_on in items:
            raise ValueError(f"cannot take {self.fail_on}")
        return [item.upper() for item in items]


def test_concurrent_inputs_share_one_call_and_each_gets_its_own_result() -> None:
    recorder = Recorder()
    batcher = MicroBatcher(recorder, max_batch=64, max_wait_s=0.05)

    async def ask() -> list[str]:
        return await asyncio.gather(*(batcher(f"text {i}") for i in range(20)))

    assert asyncio.run(ask()) == [f"TEXT {i}" for i in range(20)]
    assert len(recorder.batches) < 20 and sum(map(len, recorder.batches)) == 20


def test_a_batch_never_exceeds_its_limit_and_duplicates_run_once() -> None:
    recorder = Recorder()
    batcher = MicroBatcher(recorder, max_batch=4, max_wait_s=0.05, cache_size=0)

    async def ask() -> list[str]:
        return await asyncio.gather(*(batcher(f"t{i % 3}") for i in range(12)))

    assert asyncio.run(ask()) == [f"T{i % 3}" for i in range(12)]
    assert all(len(batch) <= 4 and len(set(batch)) == len(batch) for batch in recorder.batches)


def test_a_repeated_input_is_answered_from_the_cache_until_evicted() -> None:
    recorder = Recorder()
    batcher = MicroBatcher(recorder, max_wait_s=0.0, cache_size=2)
    for item in ("a", "a", "b", "a", "c", "b"):
        assert asyncio.run(batcher(item)) == item.upper()
    assert recorder.batches == [["a"], ["b"], ["c"], ["b"]]  # "b" was the oldest when "c" came


def test_an_error_reaches_every_caller_of_its_batch_and_is_not_cached() -> None:
    recorder = Recorder(fail_on="bad")
    batcher = MicroBatcher(recorder, max_batch=8, max_wait_s=0.05)

    async def ask() -> list[object]:
        return await asyncio.gather(batcher("bad"), batcher("good"), return_exceptions=True)

    outcomes = asyncio.run(ask())
    assert all(isinstance(outcome, ValueError) for outcome in outcomes)
    recorder.fail_on = None
    assert asyncio.run(batcher("good")) == "GOOD"


def test_the_worker_thread_ends_when_idle_and_starts_again_with_new_work() -> None:
    before = set(threading.enumerate())
    recorder = Recorder()
    batcher = MicroBatcher(recorder, max_wait_s=0.0, idle_s=0.05)
    assert asyncio.run(batcher("a")) == "A"
    [worker] = [thread for thread in threading.enumerate() if thread not in before]
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert asyncio.run(batcher("b")) == "B"


def test_the_thread_start_hook_runs_in_the_worker_thread_before_its_first_batch() -> None:
    seen: list[str] = []

    def batch(items: list[int]) -> list[str]:
        return [threading.current_thread().name for _ in items]

    batcher = MicroBatcher(
        batch, max_wait_s=0.0, on_thread_start=lambda: seen.append(threading.current_thread().name)
    )
    worker = asyncio.run(batcher(1))
    assert seen == [worker] and worker != threading.current_thread().name

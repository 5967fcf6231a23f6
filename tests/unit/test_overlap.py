"""Reading ahead and writing behind: order kept, errors raised where they belong."""

import threading
import time

import pytest

from taggraph.jobs.overlap import OrderedWriter, read_ahead


def test_read_ahead_keeps_order_and_reads_in_the_background() -> None:
    fetched: list[int] = []

    def pages():
        for page in range(5):
            fetched.append(page)
            yield page

    iterator = read_ahead(pages())
    assert next(iterator) == 0
    time.sleep(0.2)
    assert len(fetched) >= 2  # the next page was read while the first was in use
    assert list(iterator) == [1, 2, 3, 4]


def test_read_ahead_raises_a_fetch_error_at_its_place() -> None:
    def pages():
        yield 1
        raise RuntimeError("graph went away")

    iterator = read_ahead(pages())
    assert next(iterator) == 1
    with pytest.raises(RuntimeError, match="graph went away"):
        next(iterator)


def test_read_ahead_stops_its_thread_when_abandoned() -> None:
    def endless():
        number = 0
        while True:
            number += 1
            yield number

    before = threading.active_count()
    iterator = read_ahead(endless())
    assert next(iterator) == 1
    iterator.close()
    time.sleep(0.5)
    assert threading.active_count() == before


def test_ordered_writer_runs_callbacks_in_commit_order() -> None:
    done: list[int] = []
    with OrderedWriter[int]() as writer:
        for number in range(4):
            writer.submit(lambda number=number: (time.sleep(0.05 * (4 - number)), number)[1], done.append)
    assert done == [0, 1, 2, 3]


def test_ordered_writer_raises_a_failed_write_and_skips_its_callback() -> None:
    done: list[int] = []

    def fail() -> int:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with OrderedWriter[int]() as writer:
            writer.submit(lambda: 1, done.append)
            writer.submit(fail, done.append)
            writer.submit(lambda: 3, done.append)
    assert done == [1]


def test_an_interrupted_run_waits_for_the_write_in_flight_without_its_callback() -> None:
    done: list[int] = []
    finished = threading.Event()

    def slow() -> int:
        time.sleep(0.2)
        finished.set()
        return 2

    with pytest.raises(KeyboardInterrupt):
        with OrderedWriter[int]() as writer:
            writer.submit(slow, done.append)
            raise KeyboardInterrupt
    assert finished.is_set() and done == []

"""The ingest sink: batches written one at a time in input order, beside the reading of the next."""

import threading
import time
from pathlib import Path

import pytest

from taggraph.jobs.checkpoint import Checkpoint
from taggraph.jobs.ingest.records import ProductRecord
from taggraph.jobs.ingest.sink import GraphSink


class RecordingWriter:
    """Keeps the product ids of each batch; fails at batch ``fail_at`` (1-based) when given."""

    def __init__(self, fail_at: int | None = None, seconds: float = 0.0) -> None:
        self.batches: list[list[str]] = []
        self.fail_at = fail_at
        self.seconds = seconds
        self.running = 0
        self.most_running = 0
        self.lock = threading.Lock()

    def write_together(self, steps: list[tuple[str, list[dict]]]) -> None:
        with self.lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            time.sleep(self.seconds)
            if self.fail_at == len(self.batches) + 1:
                raise RuntimeError("the database refused the batch")
            self.batches.append(
                [row["id"] for name, rows in steps if name == "write/products" for row in rows]
            )
        finally:
            with self.lock:
                self.running -= 1


def products(count: int) -> list[ProductRecord]:
    return [ProductRecord("shop", str(number), f"product {number}") for number in range(count)]


def test_batches_are_written_in_input_order_one_at_a_time(tmp_path: Path) -> None:
    writer = RecordingWriter(seconds=0.01)
    checkpoint = Checkpoint(tmp_path / "state.json")
    with GraphSink(writer, checkpoint, batch_size=3) as sink:  # type: ignore[arg-type]
        for record in products(10):
            sink.add(record)
        sink.finish()
    assert writer.batches == [["shop:0", "shop:1", "shop:2"], ["shop:3", "shop:4", "shop:5"],
                              ["shop:6", "shop:7", "shop:8"], ["shop:9"]]  # fmt: skip
    assert writer.most_running == 1 and sink.written == 10
    assert not (tmp_path / "state.json").exists()


def test_a_failed_batch_raises_and_the_checkpoint_keeps_the_batches_before_it(tmp_path: Path) -> None:
    writer = RecordingWriter(fail_at=2)
    checkpoint = Checkpoint(tmp_path / "state.json")
    with pytest.raises(RuntimeError, match="refused the batch"), GraphSink(writer, checkpoint, 3) as sink:  # type: ignore[arg-type]
        for record in products(10):
            sink.add(record)
        sink.finish()
    assert writer.batches == [["shop:0", "shop:1", "shop:2"]]
    assert checkpoint.load(0) == 3
    resumed = GraphSink(RecordingWriter(), checkpoint, 3)  # type: ignore[arg-type]
    assert resumed.skip == 3


def test_leaving_on_an_interruption_waits_for_the_batch_in_flight(tmp_path: Path) -> None:
    writer = RecordingWriter(seconds=0.2)
    checkpoint = Checkpoint(tmp_path / "state.json")
    with pytest.raises(KeyboardInterrupt), GraphSink(writer, checkpoint, 3) as sink:  # type: ignore[arg-type]
        for number, record in enumerate(products(10)):
            if number == 7:
                raise KeyboardInterrupt
            sink.add(record)
    assert len(writer.batches) == 2 and checkpoint.load(0) == 6

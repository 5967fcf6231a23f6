"""After a catalog or model load the heap is settled: old cycles freed, the rest out of collections."""

import gc
import weakref

from taggraph.core.service import settle_heap


class Node:
    """An object that can reference itself."""

    def __init__(self) -> None:
        self.me: Node | None = None


def test_a_cycle_frozen_by_an_earlier_settle_is_freed_by_the_next_and_the_living_are_frozen() -> None:
    old = Node()
    old.me = old  # a cycle, only the cyclic collector frees it
    gone = weakref.ref(old)
    try:
        gc.freeze()  # as an earlier settle left it
        del old
        settle_heap()
        assert gone() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()

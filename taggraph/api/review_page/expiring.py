"""A value read again once it is older than its lifetime."""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Expiring(Generic[T]):
    """Holds one value for ``lifetime_s`` seconds; the first caller after that reads it again."""

    def __init__(self, lifetime_s: float) -> None:
        self._lifetime_s = lifetime_s
        self._lock = threading.Lock()
        self._value: T | None = None
        self._read_at = float("-inf")

    def get(self, read: Callable[[], T]) -> T:
        """The held value, or ``read()`` when there is none or it has expired."""
        with self._lock:
            if self._value is None or time.monotonic() - self._read_at > self._lifetime_s:
                self._value, self._read_at = read(), time.monotonic()
            return self._value

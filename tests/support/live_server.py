"""A real uvicorn server on a loopback port, and a Neo4j stand-in that accepts and never answers."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from taggraph.api.server import uvicorn_options
from taggraph.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: FastAPI, settings: Settings) -> Iterator[tuple[str, int]]:
    """Serve ``app`` as ``taggraph serve`` does (same protocol and limits); yields host and port."""
    port = free_port()
    options: dict[str, Any] = uvicorn_options(settings.api)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(60)


class SilentNeo4j:
    """Listens on a loopback port, accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = int(self._listener.getsockname()[1])
        self._accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> "SilentNeo4j":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._listener.close()
        for connection in self._accepted:
            connection.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._accepted.append(connection)

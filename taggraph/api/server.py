"""Serving the app under uvicorn, with a deadline on request headers.

uvicorn times out idle kept-alive connections but waits for a request's headers as long as the
client keeps sending bytes, so a client trickling a header line a second holds a connection for
ever. :class:`HeaderDeadline` gives every request ``api.header_timeout_s`` from its first byte
(or from the previous response) to complete its headers, then answers 408 and closes.
"""

import asyncio
import os
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from taggraph.settings import ApiSettings, Settings

TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers arrive too slowly.

    ``timeout_s`` is set by :func:`uvicorn_options`; a worker process started from the factory
    reads it from the settings once.
    """

    timeout_s: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if HeaderDeadline.timeout_s is None:
            HeaderDeadline.timeout_s = Settings().api.header_timeout_s
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock on the first request's headers."""
        super().connection_made(transport)
        self._start_deadline()

    def data_received(self, data: bytes) -> None:
        """Take the bytes; stop the clock once the headers are complete."""
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._stop_deadline()

    def on_response_complete(self) -> None:
        """Start the clock again for the next request on a kept-alive connection."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock with the connection."""
        self._stop_deadline()
        super().connection_lost(exc)

    def _start_deadline(self) -> None:
        self._stop_deadline()
        self._deadline = self.loop.call_later(HeaderDeadline.timeout_s or 10.0, self._headers_too_slow)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.write(TIMED_OUT)
            self.transport.close()


def uvicorn_options(api: ApiSettings) -> dict[str, Any]:
    """The uvicorn settings: uvloop's event loop and the bounds on slow clients.

    The bounds are the header deadline, the idle keep-alive and the header size.

    Sets :class:`HeaderDeadline`'s deadline to ``api.header_timeout_s`` for this process.
    """
    HeaderDeadline.timeout_s = api.header_timeout_s
    return {
        "loop": "uvloop",
        "http": HeaderDeadline,
        "timeout_keep_alive": api.keep_alive_s,
        "h11_max_incomplete_event_size": 16 * 1024,
    }


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the API on ``host:port`` until interrupted.

    One worker serves ``settings``; several each import the factory, which reads the settings
    (``api.workers`` among them: the workers share the cores for their text models).
    """
    from taggraph.api.app import create_app

    settings = settings.model_copy(update={"api": settings.api.model_copy(update={"workers": workers})})
    os.environ["TAGGRAPH_API_WORKERS"] = str(workers)  # worker processes read their settings anew
    app: Any = create_app(settings) if workers == 1 else "taggraph.api.app:create_app"
    uvicorn.run(
        app,
        factory=workers > 1,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        **uvicorn_options(settings.api),
    )

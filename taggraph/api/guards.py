"""ASGI guards in front of the routes: no dropped connections, keys first, bodies bounded.

No failure drops a connection, keys are checked before a body is read, and a body that is too
large or too slow is cut off.

Order, outermost first: :class:`NeverDrop`, metrics, :class:`KeyCheck`, :class:`BodyGuard`.
"""

import asyncio
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taggraph.api.security import identify, role_for_path
from taggraph.settings import ApiSettings

log = logging.getLogger("taggraph.api")


async def send_json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """Send a whole JSON response ``{"detail": ...}``; ``Connection: close`` when it ends the connection."""
    body = json.dumps({"detail": detail}).encode()
    extra = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class NeverDrop:
    """Answers 500 for a failure nothing else handled, and never lets it reach the server.

    An exception that escapes the application makes the server close the connection under the
    client's feet, even after a response went out; here it ends as a 500 with
    ``Connection: close`` (or, if the response had started, as the end of that response).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the application; turn an escaping exception into a 500."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if not started:
                detail = "internal error; the service log has the details"
                await send_json(send, 500, detail, {"Connection": "close"})
            else:
                await send({"type": "http.response.body", "body": b"", "more_body": False})


class KeyCheck:
    """Checks the API key and its role for ``/v1`` routes before anything reads the request body.

    ``/v1/review/...`` needs the review role, ``/v1/admin/...`` the admin role, every other
    ``/v1`` route the read role; no key or an unknown one is 401, a role too low 403.
    """

    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request before its body is read, or pass it on."""
        needed = role_for_path(scope["path"]) if scope["type"] == "http" else None
        if needed is None:
            await self.app(scope, receive, send)
            return
        key = dict(scope.get("headers", [])).get(b"x-api-key", b"").decode("latin-1")
        principal = identify(self.settings, key)
        if principal is None:
            await send_json(send, 401, "missing or unknown API key", {"WWW-Authenticate": "APIKey"})
        elif principal.role < needed:
            await send_json(send, 403, f"this route needs the {needed.name.lower()} role")
        else:
            scope.setdefault("state", {})["principal"] = principal  # the routes' Reader, Reviewer, Admin
            await self.app(scope, receive, send)


class BodyGuard:
    """Cuts off a request body over ``max_bytes`` or slower than ``timeout_s`` between its parts.

    An oversized body is refused with 413 from its declared length, or as soon as the bytes
    received pass the limit; a body that stalls (shorter than its ``Content-Length``, a chunk
    that never ends) is refused with 408. Both close the connection and read nothing more.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a guarded ``receive``, or answer 413 or 408."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send, 413)
            return
        received = 0
        refused: int | None = None
        responded = False

        async def guarded_receive() -> Message:
            nonlocal received, refused
            if refused is not None:
                return {"type": "http.disconnect"}
            try:
                message = await asyncio.wait_for(receive(), self.timeout_s)
            except TimeoutError:
                refused = 408
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = 413
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal responded
            if refused is not None:
                return  # the refusal below answers instead
            responded = responded or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, guarded_receive, guarded_send)
        if refused is not None and not responded:
            await self._refuse(send, refused)

    async def _refuse(self, send: Send, status: int) -> None:
        detail = (
            f"request body over {self.max_bytes} bytes"
            if status == 413
            else f"request body not received within {self.timeout_s:g} s"
        )
        await send_json(send, status, detail, {"Connection": "close"})

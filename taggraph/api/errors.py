"""How failures become responses: bounded JSON bodies that echo no input and name nothing internal.

A 503 says the graph or a model is unavailable and when to retry; the Bolt address and the
command that fixes it go to the log only. A 422 lists at most :data:`MAX_PROBLEMS` problems by
place and reason, never the value sent.
"""

import logging

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from taggraph.api.graph_gate import GraphBusyError, GraphTimeoutError
from taggraph.core.decisions import DecisionConflictError
from taggraph.errors import (
    InputError,
    InvalidRequestError,
    Neo4jUnavailableError,
    NotFoundError,
    ServiceUnavailable,
)

log = logging.getLogger("taggraph.api")

MAX_PROBLEMS = 10
MAX_CHARS = 120


def shown(value: object) -> str | int:
    """A location part or message as it may appear in an answer: short, and valid UTF-8."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    text = text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def validation_problems(error: RequestValidationError) -> dict[str, object]:
    """The body of a 422: the first problems by location, message and type, and how many there were."""
    problems = error.errors()
    return {
        "detail": [
            {
                "loc": [shown(part) for part in problem.get("loc", ())][:8],
                "msg": shown(problem.get("msg", "")),
                "type": shown(problem.get("type", "")),
            }
            for problem in problems[:MAX_PROBLEMS]
        ],
        "problems": len(problems),
    }


def install_error_handlers(app: FastAPI, retry_after_s: int) -> None:
    """Register the handlers that turn taggraph's errors into JSON responses.

    Args:
        app: The application.
        retry_after_s: ``Retry-After`` of a 503.

    """
    retry = {"Retry-After": str(retry_after_s)}

    async def graph_unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("%s %s: %s", request.method, request.url.path, error)
        known = isinstance(error, GraphBusyError | GraphTimeoutError)
        detail = str(error) if known else "the graph database is not reachable; retry later"
        return JSONResponse({"detail": detail}, status.HTTP_503_SERVICE_UNAVAILABLE, headers=retry)

    async def model_unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("%s %s: %s", request.method, request.url.path, error)
        return JSONResponse({"detail": str(error)}, status.HTTP_503_SERVICE_UNAVAILABLE, headers=retry)

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse(validation_problems(error), status.HTTP_422_UNPROCESSABLE_CONTENT)

    async def too_deep(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": "the JSON body is nested too deeply"}, status.HTTP_400_BAD_REQUEST)

    async def bad_input(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": shown(error)}, status.HTTP_400_BAD_REQUEST)

    async def not_found(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": shown(error)}, status.HTTP_404_NOT_FOUND)

    async def unprocessable(request: Request, error: Exception) -> JSONResponse:
        body: dict[str, object] = {"detail": str(error)}
        if isinstance(error, DecisionConflictError):
            body["conflicts"] = [list(pair) for pair in error.conflicts[:MAX_PROBLEMS]]
        return JSONResponse(body, status.HTTP_422_UNPROCESSABLE_CONTENT)

    app.add_exception_handler(Neo4jUnavailableError, graph_unavailable)
    app.add_exception_handler(ServiceUnavailable, model_unavailable)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(RecursionError, too_deep)
    app.add_exception_handler(InputError, bad_input)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(InvalidRequestError, unprocessable)

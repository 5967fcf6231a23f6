"""How failures become responses: 503 with Retry-After while Neo4j or a model is missing, never a trace."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from taggraph.errors import (
    InputError,
    InvalidRequestError,
    Neo4jUnavailableError,
    NotFoundError,
    ServiceUnavailable,
)

log = logging.getLogger("taggraph.api")


def install_error_handlers(app: FastAPI, retry_after_s: int) -> None:
    """Register the handlers that turn taggraph's errors into JSON responses.

    Args:
        app: The application.
        retry_after_s: ``Retry-After`` of a 503.

    """
    retry = {"Retry-After": str(retry_after_s)}

    async def unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("%s %s: %s", request.method, request.url.path, error)
        return JSONResponse({"detail": str(error)}, status.HTTP_503_SERVICE_UNAVAILABLE, headers=retry)

    async def bad_input(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_400_BAD_REQUEST)

    async def not_found(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_404_NOT_FOUND)

    async def unprocessable(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_422_UNPROCESSABLE_CONTENT)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the service log has the details"}, 500)

    app.add_exception_handler(Neo4jUnavailableError, unavailable)
    app.add_exception_handler(ServiceUnavailable, unavailable)
    app.add_exception_handler(InputError, bad_input)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(InvalidRequestError, unprocessable)
    app.add_exception_handler(Exception, unexpected)

"""Dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status

from taggraph.api.schemas import ID_PATTERN
from taggraph.core.service import Service


def get_service(request: Request) -> Service:
    """The service state the lifespan built."""
    service: Service = request.app.state.service
    return service


def within(value: int, limit: int, name: str) -> int:
    """``value``, or 422 when it is over the configured ``limit``."""
    if value > limit:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} is at most {limit}")
    return value


ServiceDep = Annotated[Service, Depends(get_service)]
ProductIdPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["myntra:33554"])
]
TagIdPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["tag:colour:navy-blue"])
]

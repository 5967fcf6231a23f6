"""Dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status

from taggraph.api.errors import ServiceUnavailable
from taggraph.api.models import Models
from taggraph.api.schemas import ID_PATTERN
from taggraph.api.state import Service


def get_service(request: Request) -> Service:
    """The service state the lifespan built."""
    service: Service = request.app.state.service
    return service


def get_models(service: Annotated[Service, Depends(get_service)]) -> Models:
    """The loaded models; 503 while they are still loading."""
    if service.models is None:
        raise ServiceUnavailable("models are still loading (they need Neo4j to check their vocabulary)")
    return service.models


def within(value: int, limit: int, name: str) -> int:
    """``value``, or 422 when it is over the configured ``limit``."""
    if value > limit:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} is at most {limit}")
    return value


ServiceDep = Annotated[Service, Depends(get_service)]
ModelsDep = Annotated[Models, Depends(get_models)]
ProductIdPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["myntra:33554"])
]
TagIdPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["tag:colour:navy-blue"])
]

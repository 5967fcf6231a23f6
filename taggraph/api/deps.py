"""Dependencies shared by the routes."""

import re
from collections.abc import Callable
from functools import partial
from typing import Annotated, ParamSpec, TypeVar

import anyio.to_thread
from fastapi import Depends, HTTPException, Path, Request, status
from pydantic import BeforeValidator

from taggraph.api.graph_gate import GraphGate
from taggraph.api.metrics import AnswerMetrics
from taggraph.api.schemas import ID_PATTERN
from taggraph.core.service import Service

_DIGITS = re.compile(r"[0-9]{1,9}")


async def get_service(request: Request) -> Service:
    """The service state the lifespan built."""
    service: Service = request.app.state.service
    return service


async def get_gate(request: Request) -> GraphGate:
    """The gate every graph call of a request goes through."""
    gate: GraphGate = request.app.state.gate
    return gate


async def get_answer_metrics(request: Request) -> AnswerMetrics:
    """The counters of how answers were made."""
    answers: AnswerMetrics = request.app.state.answers
    return answers


P = ParamSpec("P")
T = TypeVar("T")


async def in_memory(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a function that answers from memory within a millisecond or so, on the event loop.

    A worker thread costs more than such an answer: the hop itself, and concurrent requests
    contending for the interpreter lock, which passes between threads only every few
    milliseconds. Functions run here never wait on the graph.
    """
    return function(*args, **kwargs)


async def in_worker_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run longer work from memory (a batch of queries) on a worker thread; the loop answers on."""
    return await anyio.to_thread.run_sync(partial(function, *args, **kwargs))


def whole_number(value: object) -> object:
    """A query parameter's digits as they are: ``5_0``, ``3.0``, ``+3`` or ``1e2`` are no count."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("a whole number written in digits")
    return value


def within(value: int, limit: int, name: str) -> int:
    """``value``, or 422 when it is over the configured ``limit``."""
    if value > limit:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} is at most {limit}")
    return value


ServiceDep = Annotated[Service, Depends(get_service)]
GateDep = Annotated[GraphGate, Depends(get_gate)]
AnswersDep = Annotated[AnswerMetrics, Depends(get_answer_metrics)]
Count = Annotated[int, BeforeValidator(whole_number)]
ProductIdPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["myntra:33554"])
]
TagIdPath = Annotated[
    str, Path(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["tag:colour:navy-blue"])
]

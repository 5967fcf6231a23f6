"""Probes and metrics: liveness, readiness (Neo4j reachable, models loaded), Prometheus.

They need no key, read no body and run on the event loop, so they answer while the graph
threads are all held by a stalled Neo4j.
"""

from fastapi import APIRouter, Request, Response, status

from taggraph.api.deps import GateDep, ServiceDep
from taggraph.api.metrics import render
from taggraph.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
@router.head("/healthz", include_in_schema=False)
async def healthz() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
@router.head("/readyz", include_in_schema=False)
async def readyz(service: ServiceDep, gate: GateDep, response: Response) -> Readiness:
    """Ready when Neo4j answers (within the graph timeout) and model loading finished."""
    readiness = service.readiness(await gate.answers(service.executor.verify))
    if not readiness.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(service.settings.api.retry_after_s)
    return Readiness.model_validate(readiness)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Requests by route, method and status class and their latency, in Prometheus text format."""
    return Response(render(request.app.state.registry), media_type="text/plain; version=0.0.4")

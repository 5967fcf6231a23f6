"""Probes and metrics: liveness, readiness (Neo4j reachable, models loaded), Prometheus."""

from fastapi import APIRouter, Request, Response, status

from taggraph.api.deps import ServiceDep
from taggraph.api.metrics import render
from taggraph.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(service: ServiceDep, response: Response) -> Readiness:
    """Ready when Neo4j answers and model loading finished; lists what is missing and why."""
    readiness = service.readiness()
    if not readiness.ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(service.settings.api.retry_after_s)
    return Readiness.model_validate(readiness)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Requests by route and status and their latency, in Prometheus text format."""
    return Response(render(request.app.state.registry), media_type="text/plain; version=0.0.4")

"""Probes and metrics: liveness, readiness (Neo4j reachable, models loaded), Prometheus."""

from fastapi import APIRouter, Request, Response, status

from taggraph.api.deps import ServiceDep
from taggraph.api.metrics import render
from taggraph.api.schemas import Health, Readiness
from taggraph.graph.errors import Neo4jUnavailableError

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(service: ServiceDep, response: Response) -> Readiness:
    """Ready when Neo4j answers and model loading finished; lists what is missing and why."""
    try:
        service.executor.verify()
        neo4j = "reachable"
    except Neo4jUnavailableError as error:
        neo4j = str(error)
    models = service.models
    loaded = (
        []
        if models is None
        else [f"tagger/{source}" for source in models.taggers]
        + (["linker"] if models.linker else [])
        + (["recommender"] if models.recommender else [])
    )
    missing = {"models": "not loaded yet"} if models is None else dict(models.missing)
    ready = neo4j == "reachable" and models is not None
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(service.settings.retry_after_s)
    return Readiness(ready=ready, neo4j=neo4j, loaded=loaded, missing=missing)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Requests by route and status and their latency, in Prometheus text format."""
    return Response(render(request.app.state.registry), media_type="text/plain; version=0.0.4")

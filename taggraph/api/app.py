"""The application: ``create_app(settings)`` with a lifespan that opens one driver and loads models once."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from taggraph.api.errors import install_error_handlers
from taggraph.api.limits import BodySizeLimit
from taggraph.api.metrics import RequestMetrics
from taggraph.api.models import Models, load_models
from taggraph.api.routes import health, products, recommendations, review, tags
from taggraph.api.settings import ApiSettings
from taggraph.api.state import Service
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.errors import Neo4jUnavailableError
from taggraph.graph.settings import Neo4jSettings
from taggraph.jobs.ingest.pseudonym import load_pseudonymiser
from taggraph.jobs.settings import IngestSettings

log = logging.getLogger("taggraph.api")


def create_app(settings: ApiSettings | None = None, neo4j: Neo4jSettings | None = None) -> FastAPI:
    """Build the service.

    The lifespan creates the driver (queries retry for ``neo4j_retry_s`` before a 503) and
    loads the models in the background once Neo4j answers, so the service starts, and comes
    back, without waiting on the database; ``/readyz`` says when it can answer.

    Args:
        settings: API settings; read from the environment when None.
        neo4j: Connection settings; read from the environment when None.

    """
    settings = settings or ApiSettings()
    neo4j = (neo4j or Neo4jSettings()).model_copy(update={"retry_time_s": settings.neo4j_retry_s})
    pseudonymiser = load_pseudonymiser(IngestSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        with create_driver(neo4j) as driver:
            service = Service(settings, GraphExecutor.from_settings(driver, neo4j), pseudonymiser)
            app.state.service = service
            loading = asyncio.create_task(_load_when_reachable(service))
            try:
                yield
            finally:
                loading.cancel()

    app = FastAPI(
        title="taggraph",
        version="1",
        summary="Product tags and recommendations from the taggraph knowledge graph.",
        lifespan=lifespan,
    )
    app.state.registry = CollectorRegistry()
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, registry=app.state.registry)
    install_error_handlers(app, settings.retry_after_s)
    for module in (health, products, tags, recommendations, review):
        app.include_router(module.router)
    return app


async def _load_when_reachable(service: Service) -> None:
    """Load the models once Neo4j answers, retrying every ``retry_after_s`` until it does."""
    if not service.settings.load_models:
        service.models = Models(missing={"models": "not loaded: TAGGRAPH_API_LOAD_MODELS is off"})
        return
    while True:
        try:
            service.models = await asyncio.to_thread(
                load_models, service.executor, service.settings.models_dir, service.settings.encoder
            )
            return
        except Neo4jUnavailableError as error:
            log.warning("models wait for Neo4j: %s", error)
            await asyncio.sleep(service.settings.retry_after_s)

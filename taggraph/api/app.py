"""The application: ``create_app(settings)`` with a lifespan that opens one driver and loads models once."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from threadpoolctl import threadpool_limits

from taggraph.api.errors import install_error_handlers
from taggraph.api.graph_gate import GraphGate
from taggraph.api.guards import BodyGuard, KeyCheck, NeverDrop
from taggraph.api.metrics import AnswerMetrics, RequestMetrics
from taggraph.api.review_page import routes as review_page
from taggraph.api.review_page.expiring import Expiring
from taggraph.api.review_page.session import SignedOut
from taggraph.api.routes import admin, health, products, recommendations, review, tags
from taggraph.core.identity import load_pseudonymiser
from taggraph.core.service import Service
from taggraph.errors import Neo4jUnavailableError
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.settings import Settings

log = logging.getLogger("taggraph.api")
T = TypeVar("T")
REFRESH_REST = 4.0
"""Seconds the catalog refresh rests per second its last read took."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service.

    The lifespan creates the driver (queries retry for ``api.neo4j_retry_s`` before a 503) and
    loads the models in the background once Neo4j answers, so the service starts, and comes
    back, without waiting on the database; ``/readyz`` says when it can answer.

    Args:
        settings: The settings; read from the environment when None (a uvicorn worker process
            that imports this factory is an entry point of its own).

    """
    settings = settings or Settings()
    api = settings.api
    neo4j = settings.neo4j.model_copy(update={"retry_time_s": api.neo4j_retry_s})
    pseudonymiser = load_pseudonymiser(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = api.threads
        # Requests are the parallelism: NumPy's and SciPy's BLAS pools (a thread per core, spinning
        # while they wait) made answers contend for the cores. Two workers on 2 cores answered
        # /similar at 16 clients at 204 req/s with them and 1,458 with one thread each.
        threadpool_limits(limits=1, user_api="blas")
        gate = GraphGate(api.threads, api.graph_queue, api.neo4j_timeout_s)
        with create_driver(neo4j) as driver:
            executor = GraphExecutor.from_settings(driver, neo4j, timeout_s=api.neo4j_timeout_s)
            service = Service(settings, executor, pseudonymiser)
            app.state.service, app.state.gate = service, gate
            app.state.reload_lock = asyncio.Lock()
            app.state.catalog_changed = asyncio.Event()
            work = BackgroundWork()
            tasks = [
                asyncio.create_task(_load_when_reachable(service, app.state.reload_lock, work)),
                asyncio.create_task(
                    _refresh_catalog(service, app.state.reload_lock, app.state.catalog_changed, work)
                ),
            ]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await work.finish()  # a load still reading the graph ends before the driver closes
                gate.close()

    app = FastAPI(
        title="taggraph",
        version="1",
        summary="Product tags and recommendations from the taggraph knowledge graph.",
        lifespan=lifespan,
        redirect_slashes=False,  # a redirect would build its Location from the client's Host header
    )
    app.state.registry = CollectorRegistry()
    app.state.answers = AnswerMetrics(app.state.registry)
    # Each add wraps the ones before, so outermost first they run: NeverDrop, metrics, KeyCheck,
    # BodyGuard, then the routes.
    app.add_middleware(BodyGuard, max_bytes=api.max_body_bytes, timeout_s=api.body_timeout_s)
    app.add_middleware(KeyCheck, settings=api)
    app.add_middleware(RequestMetrics, registry=app.state.registry)
    app.add_middleware(NeverDrop)
    install_error_handlers(app, api.retry_after_s)
    for module in (health, products, tags, recommendations, review, admin, review_page):
        app.include_router(module.router)
    app.mount(
        "/review/static", StaticFiles(packages=[("taggraph.api.review_page", "static")]), "review_static"
    )
    app.state.signed_out = SignedOut()
    app.state.review_facets = Expiring(60.0)
    return app


class BackgroundWork:
    """Blocking calls of the background tasks, run on threads and awaited at shutdown."""

    def __init__(self) -> None:
        self._running: set[asyncio.Future[Any]] = set()

    async def run(self, function: Callable[[], T]) -> T:
        """Run ``function`` on a thread; cancelling the caller leaves it running until :meth:`finish`."""
        future = asyncio.ensure_future(asyncio.to_thread(function))
        self._running.add(future)
        future.add_done_callback(self._running.discard)
        return await asyncio.shield(future)

    async def finish(self, timeout_s: float = 120.0) -> None:
        """Wait for the calls still running."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout_s)


async def _load_when_reachable(service: Service, lock: asyncio.Lock, work: BackgroundWork) -> None:
    """Load the models once Neo4j answers, then again whenever the graph records newer runs.

    Loading retries every ``retry_after_s`` until Neo4j answers; afterwards the newest model runs
    are looked up every ``reload_check_s`` (0: never), and a newer one reloads every model.
    """
    api = service.settings.api
    while service.models is None:
        try:
            async with lock:
                await work.run(service.reload)
        except Neo4jUnavailableError as error:
            log.warning("models wait for Neo4j: %s", error)
            await asyncio.sleep(api.retry_after_s)
    while api.load_models and api.reload_check_s:
        await asyncio.sleep(api.reload_check_s)
        try:
            if await work.run(service.models_are_stale):
                async with lock:
                    await work.run(service.reload)
                log.info("models reloaded after a newer run: %s", service.loaded_runs)
        except Neo4jUnavailableError as error:
            log.warning("the check for newer models waits for Neo4j: %s", error)


async def _refresh_catalog(
    service: Service, lock: asyncio.Lock, changed: asyncio.Event, work: BackgroundWork
) -> None:
    """Read the catalog again whenever the graph changed.

    The graph's version is looked up every ``catalog_check_s`` (0: never), and at once after a
    review decision through this service sets ``changed``. After a read the loop rests for
    :data:`REFRESH_REST` times as long as the read took, so reviewers deciding without pause
    cost the service at most a fifth of a core (a read of the full catalog takes tens of
    seconds); decisions made meanwhile are seen by the next read.
    """
    interval = service.settings.api.catalog_check_s
    if not interval:
        return
    while True:
        try:
            await asyncio.wait_for(changed.wait(), interval)
        except TimeoutError:
            pass
        changed.clear()
        if service.models is None:
            continue
        try:
            if await work.run(service.catalog_is_stale):
                async with lock:
                    serving = await work.run(service.refresh_catalog)
                log.info("catalog read again after a graph change in %.1f s", serving.built_s)
                await asyncio.sleep(REFRESH_REST * serving.built_s)
        except Neo4jUnavailableError as error:
            log.warning("the check for graph changes waits for Neo4j: %s", error)

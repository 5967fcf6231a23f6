"""``taggraph serve``: the HTTP API under uvicorn."""

from typing import Annotated

import typer

from taggraph.api.settings import ApiSettings
from taggraph.jobs.commands.runtime import errors


def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (TAGGRAPH_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (TAGGRAPH_API_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Worker processes (TAGGRAPH_API_WORKERS).")
    ] = None,
) -> None:
    """Serve the API (recommendations, tags, review) from the graph; Ctrl-C stops it.

    Clients send a key from TAGGRAPH_API_KEYS in the X-API-Key header; OpenAPI at /docs.
    """
    import uvicorn

    settings = ApiSettings()
    if not settings.keys:
        errors.print("warning: TAGGRAPH_API_KEYS is empty, so every /v1 call is refused with 401")
    uvicorn.run(
        "taggraph.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="info",
    )

"""``taggraph serve``: the HTTP API under uvicorn."""

from typing import Annotated

import typer

from taggraph.jobs.commands.runtime import errors, settings_of


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to bind (TAGGRAPH_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (TAGGRAPH_API_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Worker processes (TAGGRAPH_API_WORKERS).")
    ] = None,
) -> None:
    """Serve the API (recommendations, tags, review) from the graph; Ctrl-C stops it.

    Clients send a key from TAGGRAPH_API_KEYS in the X-API-Key header; OpenAPI at /docs.
    """
    from taggraph.api.server import serve as serve_api

    settings = settings_of(ctx)
    api = settings.api
    if not api.keys:
        errors.print("warning: TAGGRAPH_API_KEYS is empty, so every /v1 call is refused with 401")
    serve_api(settings, host or api.host, port or api.port, workers or api.workers)

"""Administration: load the models again without restarting the service."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from taggraph.api.deps import GateDep, ServiceDep
from taggraph.api.schemas import Reloaded
from taggraph.api.security import Admin

router = APIRouter(prefix="/v1/admin", tags=["admin"])
RELOAD_TIMEOUT_S = 600.0


async def get_reload_lock(request: Request) -> asyncio.Lock:
    """The lock that keeps two reloads from running at once."""
    lock: asyncio.Lock = request.app.state.reload_lock
    return lock


@router.post("/reload", response_model=Reloaded)
async def post_reload(
    service: ServiceDep,
    gate: GateDep,
    lock: Annotated[asyncio.Lock, Depends(get_reload_lock)],
    _: Admin,
) -> Reloaded:
    """Load every model from the models folder again and answer with them from now on.

    Requests already running finish with the models they started with; no answer mixes two.
    """
    async with lock:
        models = await gate.run_for(RELOAD_TIMEOUT_S, service.reload)
    return Reloaded(
        loaded=models.names(),
        missing=dict(models.missing),
        runs=service.loaded_runs or {},
        runtimes=dict(models.runtimes),
    )

"""API keys and roles: who is calling, and whether their role allows the route."""

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from taggraph.settings import ApiSettings, Role

API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, description="A key from TAGGRAPH_API_KEYS.")


@dataclass(frozen=True)
class Principal:
    """The client a key belongs to.

    Attributes:
        name: Client name from the settings; recorded as the reviewer of its decisions.
        role: Its role.

    """

    name: str
    role: Role


def identify(settings: ApiSettings, key: str | None) -> Principal | None:
    """The client whose key is ``key``, comparing in constant time; None when no key matches."""
    if not key:
        return None
    found = None
    for name, entry in settings.keys.items():
        if hmac.compare_digest(entry.key.get_secret_value().encode(), key.encode()):
            found = Principal(name, entry.level)
    return found


ROLE_PREFIXES = (("/v1/admin/", Role.ADMIN), ("/v1/review/", Role.REVIEW), ("/v1/", Role.READ))


def role_for_path(path: str) -> Role | None:
    """The role a request path needs; None for the probes, metrics and API documents."""
    for prefix, role in ROLE_PREFIXES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return role
    return None


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency naming the caller for the route (a reviewer's decisions carry the name).

    :class:`taggraph.api.guards.KeyCheck` identified the key before the body was read and left
    the caller in the request's state; the dependency declares the key header for the API
    documents and answers 401 or 403 should a route need more than its path granted.
    """

    async def dependency(request: Request, _: Annotated[str | None, Security(API_KEY_HEADER)]) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing or unknown API key",
                headers={"WWW-Authenticate": "APIKey"},
            )
        if principal.role < role:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this route needs the {role.name.lower()} role")
        return principal

    return dependency


Reader = Annotated[Principal, Depends(require(Role.READ))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEW))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]

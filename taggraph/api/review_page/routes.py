"""The review page's routes: sign-in, the queue, decisions, bulk decisions, undo, history.

Every write goes through the same service functions as ``POST /v1/review/decisions`` and
``POST /v1/review/undo``. A write needs the session cookie, the session's CSRF token in the
form, and (when the browser sends one) an ``Origin`` of this service. A form posted by the
page's script (header ``X-Requested-With: fetch``) is answered with JSON; a plain form post is
answered with a redirect back to the queue, so the page works without script too.
"""

import asyncio
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from taggraph.api.deps import GateDep, ServiceDep
from taggraph.api.review_page.expiring import Expiring
from taggraph.api.review_page.session import (
    COOKIE,
    Session,
    csrf_matches,
    message_is_signed,
    open_session,
    read_session,
    sign_message,
)
from taggraph.api.schemas import ID_PATTERN
from taggraph.api.security import identify
from taggraph.core.decision_log import UndoOutcome, decision_history, undo_latest
from taggraph.core.decisions import Decision, DecisionsOutcome, apply_decisions
from taggraph.core.review import (
    QueueFilters,
    decide_by_score,
    neighbourhood_link,
    queue_counts,
    queue_facets,
    review_queue,
)
from taggraph.core.tags import search_tags
from taggraph.errors import TaggraphError
from taggraph.settings import Role, Settings

router = APIRouter(prefix="/review", include_in_schema=False)
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
PAGE_SIZE = 50
Name = Annotated[str | None, Query(max_length=100, pattern=r"^[A-Za-z0-9_.:\-]*$")]
Id = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
FormId = Annotated[str, Form(min_length=1, max_length=200, pattern=ID_PATTERN)]
FormToken = Annotated[str, Form(max_length=200)]


PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Pages load only their own assets, are never framed (keys pressed in a frame would decide), and
are not cached (they carry the session's CSRF token)."""


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page from its template, with :data:`PAGE_HEADERS`."""
    return TEMPLATES.TemplateResponse(
        request, template, context, status_code=status_code, headers=PAGE_HEADERS
    )


def current_session(request: Request) -> Session | None:
    """The signed-in reviewer of this request, if any."""
    settings: Settings = request.app.state.service.settings
    return read_session(settings.api, request.cookies.get(COOKIE), request.app.state.signed_out)


def page_filters(
    kind: Name = None,
    source: Name = None,
    model: Name = None,
    min_score: Annotated[str | None, Query(max_length=20)] = None,
    max_score: Annotated[str | None, Query(max_length=20)] = None,
    product_source: Name = None,
    category_id: Id = None,
) -> QueueFilters:
    """The queue's filters from the query string; an empty field means any.

    Raises:
        HTTPException: 422 for a score that is not a number from 0 to 1.

    """
    return QueueFilters(
        kind or None,
        source or None,
        model or None,
        score(min_score, "min_score"),
        score(max_score, "max_score"),
        product_source or None,
        category_id or None,
    )


def score(text: str | None, name: str) -> float | None:
    """A score field of a form or query: empty is None, else a number from 0 to 1 (422 otherwise)."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} is a number from 0 to 1")
    return value


Filters = Annotated[QueueFilters, Depends(page_filters)]


def query_string(filters: QueueFilters) -> str:
    """The filters as the queue's query string (only those set)."""
    values = {name: value for name, value in filters.parameters().items() if value is not None}
    return urlencode(values)


def require_write(request: Request, csrf: str | None) -> Session:
    """The session of a write, checked: signed in, same origin, and the session's CSRF token.

    Raises:
        HTTPException: 401 without a valid session, 403 for another origin or a wrong token.

    """
    session = current_session(request)
    if session is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "sign in to review: the session is missing or expired"
        )
    require_same_origin(request)
    if not csrf_matches(session, csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form's CSRF token does not match this session")
    return session


def require_same_origin(request: Request) -> None:
    """Refuse a form posted from another site (the browser's ``Origin`` names it).

    Raises:
        HTTPException: 403 when ``Origin`` is present and is not this service.

    """
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin != own:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a review form may only be posted from this page")


def answer(request: Request, session: Session, message: str, back: str, **extra: Any) -> Response:
    """JSON for the page's script, a redirect back to the queue for a plain form post.

    The message travels signed, so the queue shows only what the service wrote.
    """
    signature = sign_message(session, message)
    if request.headers.get("x-requested-with") == "fetch":
        return JSONResponse({"message": message, "signature": signature, **extra})
    separator = "&" if "?" in back else "?"
    query = urlencode({"message": message, "signature": signature})
    return RedirectResponse(f"{back}{separator}{query}", status.HTTP_303_SEE_OTHER)


def back_to_queue(request: Request, filters: QueueFilters) -> str:
    """The queue's address with the filters the page was showing."""
    query = query_string(filters)
    return f"{request.url_for('review_queue_page').path}{'?' + query if query else ''}"


def undo_message(outcome: UndoOutcome) -> str:
    """A reviewer's line about what an undo did."""
    if outcome.batch is None:
        return "nothing left to undo"
    reasons = sorted(set(outcome.not_undone.values()))
    kept = f"; {len(outcome.not_undone)} left as they are ({'; '.join(reasons)})" if reasons else ""
    return f"{outcome.undone} decision{'s' if outcome.undone != 1 else ''} undone{kept}"


def outcome_message(outcome: DecisionsOutcome) -> str:
    """A reviewer's line about what a batch of decisions did."""
    reasons = sorted({item.reason for item in outcome.not_applied})
    left = f"; {len(outcome.not_applied)} not applied ({'; '.join(reasons)})" if reasons else ""
    return f"{outcome.applied} decision{'s' if outcome.applied != 1 else ''} recorded{left}"


@router.get("", response_class=HTMLResponse, name="review_queue_page")
async def queue_page(
    request: Request,
    service: ServiceDep,
    gate: GateDep,
    filters: Filters,
    view: Annotated[str, Query(pattern=r"^(proposals|candidates)$")] = "proposals",
) -> Response:
    """The queue with filters, counts and the cards to decide; or the sign-in form.

    ``view`` picks proposed tags (least confident first) or candidate entities (likeliest
    duplicates first).
    """
    session = current_session(request)
    if session is None:
        return render(request, "sign_in.html", {"error": None})
    queue, counts, facets = await asyncio.gather(
        gate.run(review_queue, service.executor, filters, PAGE_SIZE, details=True),
        gate.run(queue_counts, service.executor, filters),
        gate.run(cached_facets, request),
    )
    cards = [
        {**row, "browser": neighbourhood_link(service.settings, row["product_id"])} for row in queue.proposals
    ]
    context = {
        "session": session,
        "filters": filters,
        "query": query_string(filters),
        "view": view,
        "cards": cards,
        "candidates": queue.candidates,
        "counts": counts,
        "facets": facets,
        "message": shown_message(request, session),
        "bulk_max": service.settings.api.review_bulk_max,
    }
    return render(request, "queue.html", context)


def shown_message(request: Request, session: Session) -> str:
    """The outcome line a decision redirected with, if this service signed it for this session."""
    message = request.query_params.get("message", "")[:500]
    signature = request.query_params.get("signature", "")[:64]
    return message if message and message_is_signed(session, message, signature) else ""


def cached_facets(request: Request) -> dict[str, list[Any]]:
    """The filters' choices, read from the graph at most once a minute."""
    facets: Expiring[dict[str, list[Any]]] = request.app.state.review_facets
    return facets.get(lambda: queue_facets(request.app.state.service.executor))


@router.post("/sign-in")
async def sign_in(request: Request, key: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Sign in with a review key: sets the session cookie and goes to the queue."""
    require_same_origin(request)
    settings: Settings = request.app.state.service.settings
    principal = identify(settings.api, key)
    error = None
    if principal is None:
        error, code = "That key is not known.", status.HTTP_401_UNAUTHORIZED
    elif principal.role < Role.REVIEW:
        error, code = "That key may read but not review.", status.HTTP_403_FORBIDDEN
    if error is not None:
        return render(request, "sign_in.html", {"error": error}, status_code=code)
    assert principal is not None
    lifetime = settings.api.review_session_s
    _, cookie = open_session(settings.api, principal, lifetime)
    response = RedirectResponse(request.url_for("review_queue_page").path, status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=lifetime,
        path="/review",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: FormToken) -> Response:
    """End the session: the cookie is cleared and this process refuses it from now on."""
    session = require_write(request, csrf)
    request.app.state.signed_out.add(session)
    response = RedirectResponse(request.url_for("review_queue_page").path, status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/review", httponly=True, samesite="strict")
    return response


@router.post("/decide")
async def decide(
    request: Request,
    service: ServiceDep,
    gate: GateDep,
    filters: Filters,
    csrf: FormToken,
    action: Annotated[Literal["approve", "reject", "merge"], Form()],
    tag_id: FormId,
    product_id: Annotated[str, Form(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    into_id: Annotated[str, Form(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
) -> Response:
    """One decision: approve or reject a product's tag, or accept, reject or merge a candidate entity."""
    session = require_write(request, csrf)
    if action == "merge" and (product_id or not into_id):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a merge names the entity to merge into")
    decision = Decision(action, tag_id, product_id or None, into_id or None)
    outcome = await gate.run(apply_decisions, service.executor, [decision], session.principal.name)
    request.app.state.catalog_changed.set()
    return answer(
        request, session, outcome_message(outcome), back_to_queue(request, filters), applied=outcome.applied
    )


@router.post("/bulk")
async def bulk(
    request: Request,
    service: ServiceDep,
    gate: GateDep,
    filters: Filters,
    csrf: FormToken,
    action: Annotated[Literal["approve", "reject"], Form()],
    side: Annotated[Literal["at_least", "at_most"], Form()],
    threshold: Annotated[str, Form(max_length=20)],
) -> Response:
    """Approve or reject every proposal under the filters scored at least (or at most) a threshold.

    At most ``api.review_bulk_max`` proposals, least confident first, in one batch: one undo
    takes it back whole.
    """
    session = require_write(request, csrf)
    cut = score(threshold, "threshold")
    if cut is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a bulk decision needs a threshold")
    limit = service.settings.api.review_bulk_max
    outcome = await gate.run(
        decide_by_score, service.executor, filters, action, side, cut, limit, session.principal.name
    )
    if outcome is None:
        return answer(request, session, "no proposal matches", back_to_queue(request, filters), applied=0)
    request.app.state.catalog_changed.set()
    return answer(
        request, session, outcome_message(outcome), back_to_queue(request, filters), applied=outcome.applied
    )


@router.post("/undo")
async def undo(
    request: Request, service: ServiceDep, gate: GateDep, filters: Filters, csrf: FormToken
) -> Response:
    """Undo this reviewer's newest batch of decisions that is not undone yet."""
    session = require_write(request, csrf)
    outcome = await gate.run(undo_latest, service.executor, session.principal.name)
    request.app.state.catalog_changed.set()
    message = undo_message(outcome)
    return answer(request, session, message, back_to_queue(request, filters), undone=outcome.undone)


@router.get("/history", response_class=HTMLResponse)
async def history_page(
    request: Request,
    service: ServiceDep,
    gate: GateDep,
    product_id: Id = None,
    reviewer: Id = None,
) -> Response:
    """Decisions newest first, of one product or one reviewer (the signed-in one by default)."""
    session = current_session(request)
    if session is None:
        return render(request, "sign_in.html", {"error": None})
    if not product_id and not reviewer:
        reviewer = session.principal.name
    rows = await gate.run(
        decision_history,
        service.executor,
        product_id=product_id or None,
        reviewer=reviewer or None,
        limit=200,
    )
    context = {"session": session, "rows": rows, "product_id": product_id, "reviewer": reviewer}
    return render(request, "history.html", context)


@router.get("/entities")
async def entities(
    request: Request,
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=200, pattern=ID_PATTERN)],
    kind: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]+$")] = None,
) -> JSONResponse:
    """Entities to merge a candidate into, found by the linker: ``[{id, name, kind, score}]``."""
    if current_session(request) is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in to review")
    try:
        found = await search_tags(service, q, kind, 8)
    except TaggraphError as error:
        return JSONResponse({"entities": [], "detail": str(error)})
    return JSONResponse({"entities": [vars(match) for match in found.candidates]})

"""Tags: search by text through the linker, a tag's products, tagging new text."""

from typing import Annotated

from fastapi import APIRouter, Query

from taggraph.api.deps import Count, GateDep, ServiceDep, TagIdPath, within
from taggraph.api.schemas import ID_PATTERN, TaggedText, TagProductsPage, TagSearch, TagTextRequest
from taggraph.api.security import Reader
from taggraph.core.tags import search_tags, tag_products, tag_text

router = APIRouter(prefix="/v1", tags=["tags"])


@router.get("/tags/search", response_model=TagSearch)
async def get_tag_search(
    service: ServiceDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=500, pattern=ID_PATTERN, examples=["navy blu"])],
    kind: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]+$", examples=["colour"])] = None,
    k: Annotated[Count, Query(ge=1, le=100)] = 5,
) -> TagSearch:
    """The entity a text links to (tag, brand or category), or NIL, with its nearest candidates."""
    return TagSearch.model_validate({"query": q, **vars(await search_tags(service, q, kind, k))})


@router.get(
    "/tags/{tag_id}/products",
    response_model=TagProductsPage,
    responses={404: {"description": "No such tag."}},
)
async def get_tag_products(
    tag_id: TagIdPath,
    service: ServiceDep,
    gate: GateDep,
    _: Reader,
    status_: Annotated[list[str] | None, Query(alias="status", max_length=3)] = None,
    after: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[Count, Query(ge=1, le=10_000)] = 50,
) -> TagProductsPage:
    """A tag's products in id order, one page at a time (pass ``next_after`` as ``after``).

    ``status`` keeps edges of these statuses (default: proposed and approved).
    """
    limit = within(limit, service.settings.api.max_page_size, "limit")
    page = await gate.run(tag_products, service, tag_id, status_ or ["proposed", "approved"], after, limit)
    return TagProductsPage.model_validate({"tag_id": tag_id, **vars(page)})


@router.post("/tag", response_model=TaggedText)
async def post_tag(request: TagTextRequest, service: ServiceDep, _: Reader) -> TaggedText:
    """Tag new product text with a source's tagger; nothing is written to the graph.

    ``source`` picks the tagger (required when several are loaded).
    """
    tagged = await tag_text(service, request.title, request.description, request.source)
    return TaggedText.model_validate(tagged)

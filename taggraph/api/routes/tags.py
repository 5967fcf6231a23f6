"""Tags: search by text through the linker, a tag's products, tagging new text."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from taggraph.api.deps import ModelsDep, ServiceDep, TagIdPath, within
from taggraph.api.errors import ServiceUnavailable
from taggraph.api.schemas import (
    ID_PATTERN,
    PredictedTag,
    TaggedText,
    TagMatch,
    TagProductsPage,
    TagSearch,
    TagTextRequest,
)
from taggraph.api.security import Reader
from taggraph.jobs.tagging.dataset import product_text

router = APIRouter(prefix="/v1", tags=["tags"])
STATUSES = ("proposed", "approved", "rejected")


@router.get("/tags/search", response_model=TagSearch)
def search_tags(
    service: ServiceDep,
    models: ModelsDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=500, pattern=ID_PATTERN, examples=["navy blu"])],
    kind: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]+$", examples=["colour"])] = None,
    k: Annotated[int, Query(ge=1, le=100)] = 5,
) -> TagSearch:
    """The entity a text links to (tag, brand or category), or NIL, with its nearest candidates."""
    if models.linker is None:
        raise ServiceUnavailable(f"the linker is not loaded: {models.why('linker')}")
    linker = models.linker
    if kind is not None and kind not in linker.index.kinds:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown kind; known: {', '.join(linker.index.kinds)}"
        )
    result = linker.link([q], [kind])[0]
    if result.method == "invalid":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, result.reason)
    entities = {entity.id: entity for entity in linker.index.entities}

    def match(entity_id: str, score: float) -> TagMatch:
        entity = entities[entity_id]
        return TagMatch(id=entity.id, name=entity.name, kind=entity.kind, score=round(score, 6))

    linked = match(result.entity_id, result.score) if result.entity_id else None
    return TagSearch(
        query=q,
        linked=linked,
        method=result.method,
        candidates=[match(entity_id, score) for entity_id, score in result.candidates[:k]],
    )


@router.get(
    "/tags/{tag_id}/products",
    response_model=TagProductsPage,
    responses={404: {"description": "No such tag."}},
)
def tag_products(
    tag_id: TagIdPath,
    service: ServiceDep,
    _: Reader,
    status_: Annotated[list[str] | None, Query(alias="status", max_length=3)] = None,
    after: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 50,
) -> TagProductsPage:
    """A tag's products in id order, one page at a time (pass ``next_after`` as ``after``).

    ``status`` keeps edges of these statuses (default: proposed and approved).
    """
    limit = within(limit, service.settings.max_page_size, "limit")
    statuses = status_ or ["proposed", "approved"]
    unknown = sorted(set(statuses) - set(STATUSES))
    if unknown:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"status is one of {', '.join(STATUSES)}")
    rows = service.executor.read(
        "read/tag_products", tag_id=tag_id, statuses=statuses, after=after, limit=limit
    )
    if not rows and not service.executor.read("read/tag", tag_id=tag_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such tag")
    next_after = rows[-1]["id"] if len(rows) == limit else None
    return TagProductsPage(tag_id=tag_id, products=rows, next_after=next_after)


@router.post("/tag", response_model=TaggedText)
def tag_text(request: TagTextRequest, service: ServiceDep, models: ModelsDep, _: Reader) -> TaggedText:
    """Tag new product text with a source's tagger; nothing is written to the graph.

    ``source`` picks the tagger (required when several are loaded).
    """
    if not request.title.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "title has no text")
    if len(request.title) + len(request.description) > service.settings.max_text_chars:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"title and description are at most {service.settings.max_text_chars} characters",
        )
    if not models.taggers:
        raise ServiceUnavailable(f"no tagger is loaded: {models.why('tagger')}")
    source = request.source
    if source is None:
        if len(models.taggers) > 1:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"give source: one of {', '.join(models.taggers)}"
            )
        source = next(iter(models.taggers))
    if source not in models.taggers:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"no tagger for {source!r}; loaded: {', '.join(models.taggers)}",
        )
    loaded = models.taggers[source]
    text = product_text(request.title, request.description, bool(loaded.tagger.meta.get("with_description")))
    if not loaded.tagger.tokenizer(text)["input_ids"]:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the text has no token the model reads")
    predicted = loaded.tagger.predict([text])[0]
    return TaggedText(
        source=source,
        model=str(loaded.tagger.meta.get("run_id", "unknown")),
        tags=[
            PredictedTag(label=label, tag_id=loaded.tag_ids.get(label), score=round(score, 6))
            for label, score in predicted
        ],
    )

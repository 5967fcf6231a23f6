"""Tags: what a text links to, a tag's products, and tags for new text."""

from dataclasses import dataclass
from typing import Any

from taggraph.core.labelled_products import product_text
from taggraph.core.service import Service
from taggraph.errors import InvalidRequestError, NotFoundError, ServiceUnavailable

EDGE_STATUSES = ("proposed", "approved", "rejected")


@dataclass
class TagMatch:
    """An entity a text links to, with the linker's probability."""

    id: str
    name: str
    kind: str
    score: float


@dataclass
class TagSearch:
    """The linker's decision for a text and its nearest candidates.

    Attributes:
        linked: The entity the text links to, or None when it links to nothing (NIL).
        method: ``alias`` (an exact name or alias), ``search`` (decided by the scorer) or ``nil``.
        candidates: The nearest entities, best first.

    """

    linked: TagMatch | None
    method: str
    candidates: list[TagMatch]


@dataclass
class PredictedTag:
    """A tag the tagger gives a text, above its calibrated threshold."""

    label: str
    tag_id: str | None
    score: float


@dataclass
class TaggedText:
    """The tags one source's tagger gives a text, and the run id of that tagger."""

    source: str
    model: str
    tags: list[PredictedTag]


@dataclass
class TagProductsPage:
    """One page of a tag's products; ``next_after`` starts the next page (None on the last)."""

    products: list[dict[str, Any]]
    next_after: str | None


async def search_tags(service: Service, text: str, kind: str | None, k: int) -> TagSearch:
    """The entity ``text`` links to (tag, brand or category), or NIL, with its ``k`` nearest candidates.

    Concurrent searches are encoded in one forward pass, and a repeated one is answered from a
    cache that lives as long as the loaded linker.

    Raises:
        ServiceUnavailable: If the linker is not loaded.
        InvalidRequestError: For a kind the index does not hold, or a text the linker refuses.

    """
    models = service.loaded()
    linker = models.linker
    if linker is None or models.link is None:
        raise ServiceUnavailable(f"the linker is not loaded: {models.why('linker')}")
    if kind is not None and kind not in linker.index.kinds:
        raise InvalidRequestError(f"unknown kind; known: {', '.join(linker.index.kinds)}")
    result = await models.link((text, kind))
    if result.method == "invalid":
        raise InvalidRequestError(result.reason)
    index = linker.index

    def match(entity_id: str, score: float) -> TagMatch:
        entity = index.entities[index.positions[entity_id]]
        return TagMatch(entity.id, entity.name, entity.kind, round(score, 6))

    linked = match(result.entity_id, result.score) if result.entity_id else None
    candidates = [match(entity_id, score) for entity_id, score in result.candidates[:k]]
    return TagSearch(linked, result.method, candidates)


def tag_products(
    service: Service, tag_id: str, statuses: list[str], after: str, limit: int
) -> TagProductsPage:
    """A tag's products in id order whose edge has one of ``statuses``, after ``after``.

    Raises:
        InvalidRequestError: For a status that is not an edge status.
        NotFoundError: If no tag has this id.

    """
    if set(statuses) - set(EDGE_STATUSES):
        raise InvalidRequestError(f"status is one of {', '.join(EDGE_STATUSES)}")
    executor = service.executor
    rows = executor.read("read/tag_products", tag_id=tag_id, statuses=statuses, after=after, limit=limit)
    if not rows and not executor.read("read/tag", tag_id=tag_id):
        raise NotFoundError("no such tag")
    return TagProductsPage(rows, rows[-1]["id"] if len(rows) == limit else None)


async def tag_text(service: Service, title: str, description: str, source: str | None) -> TaggedText:
    """Tag new product text with a source's tagger; nothing is written to the graph.

    Concurrent texts are tagged in one forward pass, and a repeated one is answered from a
    cache that lives as long as the loaded tagger.

    Args:
        service: The service.
        title: The product's title.
        description: Its description (read when the tagger was trained with descriptions).
        source: Whose tagger; may be None when only one is loaded.

    Raises:
        InvalidRequestError: For an empty or over-long text, a text with no token the model
            reads, or a missing or unknown source.
        ServiceUnavailable: If no tagger is loaded.

    """
    models = service.loaded()
    limit = service.settings.api.max_text_chars
    if not title.strip():
        raise InvalidRequestError("title has no text")
    if len(title) + len(description) > limit:
        raise InvalidRequestError(f"title and description are at most {limit} characters")
    if not models.taggers:
        raise ServiceUnavailable(f"no tagger is loaded: {models.why('tagger')}")
    if source is None:
        if len(models.taggers) > 1:
            raise InvalidRequestError(f"give source: one of {', '.join(models.taggers)}")
        source = next(iter(models.taggers))
    if source not in models.taggers:
        raise InvalidRequestError(f"no tagger for {source!r}; loaded: {', '.join(models.taggers)}")
    loaded = models.taggers[source]
    text = product_text(title, description, bool(loaded.tagger.meta.get("with_description")))
    if not loaded.tagger.tokenizer(text)["input_ids"]:
        raise InvalidRequestError("the text has no token the model reads")
    predicted = await loaded.predict(text)
    tags = [PredictedTag(label, loaded.tag_ids.get(label), round(score, 6)) for label, score in predicted]
    return TaggedText(source, str(loaded.tagger.meta.get("run_id", "unknown")), tags)

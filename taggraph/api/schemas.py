"""Request and response bodies of the HTTP API."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

ID_PATTERN = r"^[^\x00-\x1f\x7f]+$"


def utf8_text(value: str) -> str:
    """``value`` when it is text that UTF-8 can carry and holds no NUL; a lone surrogate is refused."""
    if "\x00" in value:
        raise ValueError("text may not contain NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


Text = Annotated[str, AfterValidator(utf8_text)]
Id = Annotated[str, Field(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["myntra:33554"])]
TagId = Annotated[
    str, Field(min_length=1, max_length=200, pattern=ID_PATTERN, examples=["tag:colour:navy-blue"])
]
HARD_MAX_K = 1000
HARD_MAX_ITEMS = 500


class Strict(BaseModel):
    """Request bodies refuse fields they do not know, and take numbers only as they are written.

    Integers are JSON integers (not ``true``, not ``5.0``); numbers are finite (no ``NaN``,
    ``Infinity`` or a literal that overflows to it).
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Answer(BaseModel):
    """Response bodies, built from what ``core`` returns (dataclasses and rows)."""

    model_config = ConfigDict(from_attributes=True)


class Product(Answer):
    """A product with its category path (root first) and brand."""

    id: str
    name: str | None = None
    description: str | None = None
    source: str | None = None
    price: float | None = None
    category_path: list[str] = []
    category_ids: list[str] = []
    brand: str | None = None
    brand_id: str | None = None


class TagEdge(Answer):
    """One tag of a product and where it came from.

    Attributes:
        source: ``catalog``, ``tagger``, ``extractor``, ``gnn``, ``fused`` or ``human``.
        status: ``proposed``, ``approved`` or ``rejected``.
        surface: For a generated tag, the text it was generated from.

    """

    tag_id: str
    name: str | None
    kind: str | None
    tag_status: str | None
    source: str | None
    status: str | None
    score: float | None = None
    model: str | None = None
    reviewer: str | None = None
    surface: str | None = None
    updated_at: str | None = None


class ProductTags(Answer):
    """All tags of a product."""

    product_id: str
    tags: list[TagEdge]


class Reason(Answer):
    """Why a product was returned: the graph path that produced it.

    Attributes:
        kind: ``shared_tag``, ``same_category``, ``same_brand``, ``co_interaction`` (a user
            took a seed and this product), ``embedding`` (``taggraph embed``'s vectors are
            alike), ``next_item`` (ranked by the next-item model from the user's latest
            products) or ``popularity`` (nothing relates it to the seeds but its interactions).
        via: The tag, category, brand or seed product the path goes through, the embedding, or
            the next-item model's run id.
        path: The path in Cypher notation (for ``embedding``, the cosine similarity; for
            ``next_item``, the newest seed product the model knows).

    """

    kind: Literal[
        "shared_tag", "same_category", "same_brand", "co_interaction", "embedding", "next_item", "popularity"
    ]
    via: str
    path: str


class ScoredProduct(Answer):
    """A product in a ranked answer."""

    id: str
    name: str | None
    price: float | None = None
    score: float
    reasons: list[Reason]


class SimilarProducts(Answer):
    """Products like one product, most alike first.

    Attributes:
        parts: What the scores fused: ``model`` (the next-item model's probability after this
            product), ``co_interaction``, ``features`` (shared tags, category, brand),
            ``popularity``, ``embedding``.
        model: Run id of the next-item model when it took part; null otherwise.

    """

    product_id: str
    parts: list[str]
    model: str | None = None
    results: list[ScoredProduct]


class Filters(Strict):
    """Restrictions on recommended products."""

    category_id: Annotated[str, Field(min_length=1, max_length=300, pattern=ID_PATTERN)] | None = None
    brand_id: Id | None = None
    min_price: Annotated[float, Field(ge=0, le=1e12)] | None = None
    max_price: Annotated[float, Field(ge=0, le=1e12)] | None = None


class RecommendationRequest(Strict):
    """Whom or what to recommend for: a user, seed products or tags (one or more of them)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"product_ids": ["myntra:33554"], "k": 5, "filters": {"category_id": "myntra:cat:apparel"}},
                {"tags": ["tag:colour:navy-blue", "tag:article_type:shirts"], "k": 10},
                {"user_id": "beauty:7", "k": 10},
            ]
        },
    )

    user_id: (
        Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[a-z0-9_]+:[^\x00-\x1f\x7f]+$")] | None
    ) = None
    product_ids: Annotated[list[Id], Field(max_length=HARD_MAX_ITEMS)] = []
    tags: Annotated[list[TagId], Field(max_length=HARD_MAX_ITEMS)] = []
    k: Annotated[int, Field(ge=1, le=HARD_MAX_K)] = 10
    filters: Filters = Filters()

    @model_validator(mode="after")
    def _something_to_go_on(self) -> "RecommendationRequest":
        if self.user_id is None and not self.product_ids and not self.tags:
            raise ValueError("give user_id, product_ids or tags")
        return self


class Recommendations(Answer):
    """Recommended products, best first, and how they were ranked.

    Attributes:
        method: ``model`` (the next-item model ranked a user's products), ``graph``
            (item-to-item scores of seed products, or the probability of carrying the asked
            tags) or ``fallback`` (item-to-item, because the model knows none of the user's
            products).
        model: Run id of the next-item model when it took part in the ranking; null otherwise.

    """

    results: list[ScoredProduct]
    method: Literal["model", "graph", "fallback"]
    model: str | None = None


MAX_BATCH = 100


class RecommendationBatch(Strict):
    """Several recommendation queries answered in one call, in order."""

    queries: Annotated[list[RecommendationRequest], Field(min_length=1, max_length=MAX_BATCH)]


class BatchedRecommendations(Answer):
    """One answer per query of the batch, in the batch's order, all from one loaded model."""

    answers: list[Recommendations]


class TagProduct(Answer):
    """A product carrying a tag, with the edge's provenance."""

    id: str
    name: str | None
    source: str | None
    status: str | None
    score: float | None = None


class TagProductsPage(Answer):
    """One page of a tag's products; ``next_after`` fetches the next page."""

    tag_id: str
    products: list[TagProduct]
    next_after: str | None


class TagMatch(Answer):
    """An entity a text links to, with the linker's probability."""

    id: str
    name: str
    kind: str
    score: float


class TagSearch(Answer):
    """Entities for a text: the linker's decision and its nearest candidates.

    Attributes:
        linked: The entity the text links to, or None when it links to nothing (NIL).
        method: ``alias`` (an exact name or alias), ``search`` (decided by the scorer) or ``nil``.

    """

    query: str
    linked: TagMatch | None
    method: str
    candidates: list[TagMatch]


class TagTextRequest(Strict):
    """New product text to tag; nothing is written to the graph."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Turtle Check Men Navy Blue Shirt", "source": "myntra"}]},
    )

    title: Annotated[Text, Field(min_length=1, max_length=100_000)]
    description: Annotated[Text, Field(max_length=100_000)] = ""
    source: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_]+$")] | None = None


class PredictedTag(Answer):
    """A tag the tagger gives the text, above its calibrated threshold."""

    label: str
    tag_id: str | None
    score: float


class TaggedText(Answer):
    """The tagger's tags for a text."""

    source: str
    model: str
    tags: list[PredictedTag]


class ProposedTag(Answer):
    """A proposed product tag awaiting review."""

    product_id: str
    product_name: str | None
    tag_id: str
    tag_name: str | None
    kind: str | None
    tag_status: str | None
    source: str | None
    score: float | None
    model: str | None
    surface: str | None


class CandidateEntity(Answer):
    """A tag generated from text that linked to no entity, with the nearest entities."""

    tag_id: str
    name: str | None
    kind: str | None
    surfaces: list[str]
    suggested_ids: list[str]
    suggested_scores: list[float]
    products: int


class ReviewQueue(Answer):
    """What awaits review, least confident first."""

    proposals: list[ProposedTag]
    candidates: list[CandidateEntity]


class Decision(Strict):
    """One review decision.

    ``approve``/``reject`` with ``product_id``: that product's tag becomes a human fact.
    ``approve``/``reject`` without it: a candidate entity becomes a tag, or is dropped.
    ``merge``: the candidate ``tag_id`` is the entity ``into_id`` (a tag or brand).
    """

    action: Literal["approve", "reject", "merge"]
    tag_id: TagId
    product_id: Id | None = None
    into_id: Id | None = None

    @model_validator(mode="after")
    def _fields_of_action(self) -> "Decision":
        if self.action == "merge" and (self.into_id is None or self.product_id is not None):
            raise ValueError("merge takes tag_id (the candidate) and into_id, and no product_id")
        if self.action != "merge" and self.into_id is not None:
            raise ValueError("into_id belongs to merge only")
        return self


class DecisionsRequest(Strict):
    """A batch of review decisions, applied in one transaction."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decisions": [
                        {"action": "approve", "product_id": "myntra:33554", "tag_id": "tag:colour:navy-blue"},
                        {"action": "merge", "tag_id": "tag:brand:roadstr", "into_id": "brand:roadster"},
                    ]
                }
            ]
        },
    )

    decisions: Annotated[list[Decision], Field(min_length=1, max_length=HARD_MAX_ITEMS)]


class NotApplied(Answer):
    """A decision that changed nothing, and why."""

    index: int
    reason: str


class DecisionsResult(Answer):
    """What a batch of decisions changed; ``batch`` names it in the decision history."""

    reviewer: str
    applied: int
    not_applied: list[NotApplied]
    batch: str


class UndoResult(Answer):
    """What ``POST /v1/review/undo`` put back.

    The batch (null when nothing was left to undo), the decisions undone, and those left as
    they are with why.
    """

    batch: str | None
    undone: int
    not_undone: dict[str, str]


class HistoryEntry(Answer):
    """One review decision: who decided what and when, what it replaced, and what came after."""

    decision_id: str
    batch: str
    reviewer: str
    at: str
    action: str
    subject: Literal["edge", "candidate"]
    product_id: str | None
    tag_id: str
    into_id: str | None
    status: str
    before_status: str | None
    before_source: str | None
    before_score: float | None
    superseded_by: str | None
    superseded_at: str | None
    undone_by: str | None
    undone_at: str | None


class DecisionHistory(Answer):
    """Decisions newest first."""

    decisions: list[HistoryEntry]


class Reloaded(Answer):
    """The models the service answers with after a reload.

    Attributes:
        loaded: What is loaded (``tagger/<source>``, ``linker``, ``recommender``).
        missing: What is not, and why.
        runs: When the newest tagger, tagging and recommender runs were recorded.
        runtimes: What runs each text model's forward passes, ``onnx`` or ``torch``.

    """

    loaded: list[str]
    missing: dict[str, str]
    runs: dict[str, str]
    runtimes: dict[str, str]


class Health(Answer):
    """Liveness."""

    status: Literal["ok"]


class Readiness(Answer):
    """Whether the service can answer: Neo4j reachable, models loaded (or why not)."""

    ready: bool
    neo4j: str
    loaded: list[str]
    missing: dict[str, str]

"""The review queue: proposed tags, least confident first, and candidate entities."""

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from taggraph.core.decisions import Decision, DecisionsOutcome, apply_decisions
from taggraph.graph.browse import browse_query, browser_editor_link
from taggraph.graph.connection import GraphExecutor
from taggraph.settings import Settings


@dataclass(frozen=True)
class QueueFilters:
    """Which proposals to review; None means any.

    Attributes:
        kind: Tag kind (``colour``, ``usage``, ...).
        source: What proposed the tag (``tagger``, ``extractor``, ``fused``, ...).
        model: The model that proposed it.
        min_score: Lowest proposal score.
        max_score: Highest proposal score.
        product_source: The product's catalog (``myntra``, ``flipkart``, ...).
        category_id: The product's category, or any category above it.

    """

    kind: str | None = None
    source: str | None = None
    model: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    product_source: str | None = None
    category_id: str | None = None

    def parameters(self) -> dict[str, Any]:
        """The filters as statement parameters."""
        return asdict(self)


@dataclass
class ReviewQueue:
    """What awaits review: proposed product tags and candidate entities."""

    proposals: list[dict[str, Any]]
    candidates: list[dict[str, Any]]


@dataclass(frozen=True)
class QueueCounts:
    """What is left under a filter: proposals per tag kind, and candidate entities."""

    by_kind: dict[str, int]
    candidates: int

    @property
    def proposals(self) -> int:
        """Proposals left over every kind."""
        return sum(self.by_kind.values())


def review_queue(
    executor: GraphExecutor, filters: QueueFilters, limit: int, *, details: bool = False
) -> ReviewQueue:
    """Up to ``limit`` proposals, least confident first, and candidates, likeliest duplicates first.

    Args:
        executor: The graph.
        filters: Which proposals; candidates are filtered by kind only.
        limit: Most proposals and most candidates.
        details: Whether each proposal carries the product's text, category path, brand, current
            tags and the candidate's suggested entities (what the review page shows).

    """
    return ReviewQueue(
        proposals=executor.read(
            "read/review_proposals", **filters.parameters(), limit=limit, details=details
        ),
        candidates=executor.read("read/review_candidates", kind=filters.kind, limit=limit),
    )


def proposals_to_decide(executor: GraphExecutor, filters: QueueFilters, limit: int) -> list[dict[str, Any]]:
    """The proposals under ``filters``, least confident first, without details (bulk decisions)."""
    return executor.read("read/review_proposals", **filters.parameters(), limit=limit, details=False)


def queue_counts(executor: GraphExecutor, filters: QueueFilters) -> QueueCounts:
    """What is left to review under ``filters``."""
    row = executor.read("read/review_counts", **filters.parameters())[0]
    return QueueCounts({item["kind"]: item["proposals"] for item in row["by_kind"]}, row["candidates"])


def decide_by_score(
    executor: GraphExecutor,
    filters: QueueFilters,
    action: Literal["approve", "reject"],
    side: Literal["at_least", "at_most"],
    threshold: float,
    limit: int,
    reviewer: str,
) -> DecisionsOutcome | None:
    """Approve or reject, as one batch, the filtered proposals scored at least (or at most) ``threshold``.

    At most ``limit`` of them, least confident first; None when none matches.
    """
    if side == "at_least":
        selected = replace(filters, min_score=max(threshold, filters.min_score or 0.0))
    else:
        upper = filters.max_score if filters.max_score is not None else 1.0
        selected = replace(filters, max_score=min(threshold, upper))
    rows = proposals_to_decide(executor, selected, limit)
    if not rows:
        return None
    decisions = [Decision(action, row["tag_id"], row["product_id"]) for row in rows]
    return apply_decisions(executor, decisions, reviewer)


def category_exists(executor: GraphExecutor, category_id: str) -> bool:
    """Whether the graph has a category with this id."""
    return bool(executor.read("read/category", category_id=category_id))


def queue_facets(executor: GraphExecutor) -> dict[str, list[Any]]:
    """The values the queue can be filtered by: kinds, sources, models, product sources, categories."""
    row = executor.read("read/review_facets")[0]
    return {name: sorted(values) if name != "categories" else values for name, values in row.items()}


def neighbourhood_link(settings: Settings, product_id: str) -> str:
    """Neo4j Browser with the product's neighbourhood query (``browse/neighbourhood``) in its editor."""
    query = browse_query("neighbourhood")
    return browser_editor_link(settings.neo4j, query, {"product_id": product_id}, settings.api.browser_url)

"""What a source row becomes: products with their catalog tags, interactions, or a reject."""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

_NON_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1 << 16)
def slug(value: str) -> str:
    """Lower-case ASCII slug used inside ids: ``"Navy Blue"`` -> ``"navy-blue"``.

    Remembered for the most recent 65,536 values: entity names repeat on every row that names
    them, and a batch asks for each id several times (Myntra's ingest called it a million times).

    Args:
        value: Any display name.

    Returns:
        The slug; non-Latin names keep their letters lower-cased rather than vanishing.

    """
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    text = _NON_WORD.sub("-", folded.lower()).strip("-")
    if text:
        return text
    return "-".join(value.lower().split())


@dataclass(frozen=True)
class TagRef:
    """A tag of the shared vocabulary: ``tag:<kind>:<slug>``."""

    kind: str
    name: str

    @property
    def id(self) -> str:
        """Stable id of the tag entity."""
        return f"tag:{self.kind}:{slug(self.name)}"


@dataclass(frozen=True)
class CategoryRef:
    """A node of a source's category tree; its id encodes the whole path from the root."""

    source: str
    path: tuple[str, ...]

    @property
    def id(self) -> str:
        """Stable id: ``<source>:cat:<slug>/<slug>/...``."""
        return f"{self.source}:cat:" + "/".join(slug(part) for part in self.path)

    @property
    def name(self) -> str:
        """Display name: the last element of the path."""
        return self.path[-1]

    @property
    def level(self) -> int:
        """Depth, 1 for a root."""
        return len(self.path)

    @property
    def parent(self) -> "CategoryRef | None":
        """The parent category, or None for a root."""
        return CategoryRef(self.source, self.path[:-1]) if len(self.path) > 1 else None

    def lineage(self) -> list["CategoryRef"]:
        """This category and its ancestors, root first."""
        return [CategoryRef(self.source, self.path[: depth + 1]) for depth in range(len(self.path))]


@dataclass(frozen=True)
class BrandRef:
    """A brand, shared across sources by its normalised name: ``brand:<slug>``."""

    name: str

    @property
    def id(self) -> str:
        """Stable id of the brand entity."""
        return f"brand:{slug(self.name)}"


@dataclass(frozen=True)
class ProductRecord:
    """A product and the catalog facts about it."""

    source: str
    native_id: str
    name: str | None
    description: str | None = None
    price: float | None = None
    year: int | None = None
    category: CategoryRef | None = None
    brand: BrandRef | None = None
    tags: tuple[TagRef, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        """Stable id: ``<source>:<native id>``."""
        return f"{self.source}:{self.native_id}"


@dataclass(frozen=True)
class InteractionRecord:
    """A pseudonymised user's interaction with a product, ordered by ``ts`` within the user."""

    user_id: str
    product_id: str
    product_source: str
    ts: int
    kind: str
    weight: float = 1.0


Record = ProductRecord | InteractionRecord


@dataclass(frozen=True)
class SourceRow:
    """One input row of one file: its records (possibly none, for lookup rows) or why it failed.

    Attributes:
        file: Name of the file the row came from.
        number: 1-based data row number within that file (the header is row 0).
        records: What the row yields when accepted.
        reason: Why the row was rejected, or None.
        raw: The row as read, kept in the rejects file.

    """

    file: str
    number: int
    records: tuple[Record, ...] = ()
    reason: str | None = None
    raw: object = None

    @property
    def rejected(self) -> bool:
        """Whether the row goes to the rejects file."""
        return self.reason is not None

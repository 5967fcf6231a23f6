"""Attribute-value examples: a product text, its category and gold values per attribute.

An attribute whose gold is ``()`` is known to be absent from the text (``n/a``); attributes a
record does not name are unknown and neither trained nor scored.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NOT_APPLICABLE = "n/a"
_SPACES = re.compile(r"\s+")


def value_key(value: str) -> str:
    """How values are compared: case-folded, spaces collapsed, outer spaces dropped."""
    return _SPACES.sub(" ", value.casefold()).strip()


@dataclass(frozen=True)
class AttributeExample:
    """One product text with its attribute values.

    Attributes:
        text: Product title (and description, if any).
        category: Product category, given to the extractor beside the text.
        values: Attribute name -> accepted values; ``()`` when the attribute is absent.

    """

    text: str
    category: str
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def attributes(self) -> list[str]:
        """The attributes this example asks for, in its order."""
        return list(self.values)


@dataclass(frozen=True)
class Extraction:
    """An extracted value of one attribute, or its absence.

    Attributes:
        value: The span of the text, or None for ``n/a``.
        score: Confidence of the span's start (of the best start when the answer is ``n/a``).
        start: Character offset of the span in the text (-1 for ``n/a``).
        end: Character offset just past the span (-1 for ``n/a``).

    """

    value: str | None
    score: float
    start: int = -1
    end: int = -1


def value_spans(text: str, value: str) -> list[tuple[int, int]]:
    """Character spans where ``value`` occurs in ``text`` (case-insensitive), word-bounded first.

    Occurrences that start and end on word boundaries come before those inside words; the
    caller usually labels the first.
    """
    if not value.strip():
        return []
    pattern = re.compile(re.escape(value.strip()), re.IGNORECASE)
    found = [(match.start(), match.end()) for match in pattern.finditer(text)]

    def inside_word(span: tuple[int, int]) -> bool:
        start, end = span
        before = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
        after = end < len(text) and text[end].isalnum() and text[end - 1].isalnum()
        return before or after

    return sorted(found, key=lambda span: (inside_word(span), span[0]))


def category_attributes(examples: Iterable[AttributeExample]) -> dict[str, list[str]]:
    """Category -> the attributes its examples ask for, most asked first."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for example in examples:
        for attribute in example.values:
            counts[example.category][attribute] += 1
    return {
        category: sorted(attributes, key=lambda name: (-attributes[name], name))
        for category, attributes in sorted(counts.items())
    }


def attribute_names(examples: Sequence[AttributeExample]) -> list[str]:
    """Every attribute asked for, sorted."""
    return sorted({attribute for example in examples for attribute in example.values})

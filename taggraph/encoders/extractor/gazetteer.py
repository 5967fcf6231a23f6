"""Baseline extractor: a dictionary of the values seen in training, longest match on word boundaries.

Values seen with the product's own category are tried first, then those of any category.
"""

import re
from collections import defaultdict
from collections.abc import Sequence

from taggraph.encoders.extractor.attributes import AttributeExample, Extraction, value_key

ANY_CATEGORY = ""


def _pattern(values: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.IGNORECASE)


class Gazetteer:
    """Per (category, attribute), the training values; extraction finds the longest one in the text.

    Args:
        values: ``(category, attribute)`` -> known values; category ``""`` holds every category's.

    """

    def __init__(self, values: dict[tuple[str, str], list[str]]) -> None:
        self.values = values
        self._patterns = {key: _pattern(known) for key, known in values.items() if known}

    def __repr__(self) -> str:
        return f"Gazetteer(entries={len(self.values)}, values={sum(map(len, self.values.values()))})"

    @classmethod
    def fit(cls, examples: Sequence[AttributeExample]) -> "Gazetteer":
        """Collect every gold value of every attribute (the first spelling of each value kept)."""
        known: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        for example in examples:
            for attribute, values in example.values.items():
                for value in values:
                    if value.strip():
                        for category in (example.category, ANY_CATEGORY):
                            known[category, attribute].setdefault(value_key(value), value.strip())
        return cls({key: list(values.values()) for key, values in known.items()})

    def extract(
        self, text: str, attributes: Sequence[str], category: str = ANY_CATEGORY
    ) -> dict[str, Extraction]:
        """The longest known value of each attribute in ``text`` (earliest on a tie), or ``n/a``."""
        return {attribute: self._find(text, category, attribute) for attribute in attributes}

    def _find(self, text: str, category: str, attribute: str) -> Extraction:
        for key in ((category, attribute), (ANY_CATEGORY, attribute)):
            pattern = self._patterns.get(key)
            matches = list(pattern.finditer(text)) if pattern is not None else []
            if matches:
                best = max(matches, key=lambda match: (len(match.group(1)), -match.start()))
                return Extraction(best.group(1), 1.0, best.start(1), best.end(1))
        return Extraction(None, 0.0)

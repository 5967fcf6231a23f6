"""The label space of a tagger: ``kind:value`` labels, grouped by kind, with a version hash."""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field


def label_kind(label: str) -> str:
    """The kind of a ``kind:value`` label."""
    return label.split(":", 1)[0]


@dataclass(frozen=True)
class LabelSpace:
    """An ordered list of labels; column ``i`` of a score matrix is ``labels[i]``.

    Attributes:
        labels: ``kind:value`` strings, sorted.

    """

    labels: tuple[str, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {label: i for i, label in enumerate(self.labels)})

    @classmethod
    def from_examples(
        cls, label_sets: Iterable[Iterable[str]], min_support: int, kinds: Iterable[str] | None = None
    ) -> "LabelSpace":
        """Keep labels seen in at least ``min_support`` examples (and of the given kinds).

        Args:
            label_sets: The positive labels of each training example.
            min_support: Fewest examples a label needs.
            kinds: Kinds to keep; all when None.

        Returns:
            The label space.

        """
        wanted = set(kinds) if kinds is not None else None
        counts = Counter(label for labels in label_sets for label in set(labels))
        kept = [
            label
            for label, count in counts.items()
            if count >= min_support and (wanted is None or label_kind(label) in wanted)
        ]
        return cls(tuple(sorted(kept)))

    @property
    def kinds(self) -> list[str]:
        """The kinds, sorted."""
        return sorted({label_kind(label) for label in self.labels})

    def columns_of_kind(self, kind: str) -> list[int]:
        """Columns whose label is of ``kind``."""
        return [i for i, label in enumerate(self.labels) if label_kind(label) == kind]

    def columns_by_kind(self) -> dict[str, list[int]]:
        """Each kind, in :attr:`kinds` order, with its columns."""
        return {kind: self.columns_of_kind(kind) for kind in self.kinds}

    @property
    def version(self) -> str:
        """A hash of the labels: two spaces with the same version score the same columns."""
        return hashlib.sha256(json.dumps(self.labels).encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return len(self.labels)

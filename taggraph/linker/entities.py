"""Entities a surface form can link to: Tag, Brand and Category nodes with their aliases."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """One linkable entity of the graph.

    Attributes:
        id: Graph id, such as ``tag:colour:navy-blue``.
        kind: Tag kind (``colour``...), ``brand`` or ``category``.
        name: Display name.
        aliases: Other surface forms of the same entity.
        description: Extra text that helps matching (may be empty).

    """

    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""

    @property
    def surfaces(self) -> tuple[str, ...]:
        """The name, then each alias that differs from it."""
        return (self.name, *(alias for alias in self.aliases if alias != self.name))

    @property
    def context(self) -> str:
        """Every surface form and the description, as one text."""
        return " ".join((*self.surfaces, self.description)).strip()


def vocabulary_version(entities: Iterable[Entity]) -> str:
    """A hash of the entities' ids, kinds, surface forms and descriptions, in any order."""
    rows = sorted([entity.id, entity.kind, entity.description, *entity.surfaces] for entity in entities)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]

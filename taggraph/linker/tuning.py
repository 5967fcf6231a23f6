"""A tuning set made from the graph's own entities, for a graph that has no labelled links yet.

Entities are split by a hash of their id: a fifth is held out of a tuning index, and their
names become NIL queries (names the graph does not know); the others' names, perturbed the way
generated tags differ from entity names (typos, word order, abbreviations), are queries whose
answer is known. The scorer and threshold fit on them are the linker's defaults until labelled
queries replace them (``taggraph linker build --tune FILE``).
"""

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from taggraph.linker.entities import Entity

PERTURBATIONS = ("case", "typo", "word order", "abbreviation")


def perturb(name: str, how: str, rng: random.Random) -> str | None:
    """``name`` changed one way (see :data:`PERTURBATIONS`), or None if that way does not apply.

    Args:
        name: An entity name.
        how: ``case`` (random letter case), ``typo`` (two letters of a long word swapped),
            ``word order`` (words reversed) or ``abbreviation`` (long words cut to four letters
            and a dot).
        rng: Source of the random choices.

    Raises:
        ValueError: If ``how`` is not a known perturbation.

    """
    words = name.split()
    if how == "case":
        return "".join(char.upper() if rng.random() < 0.5 else char.lower() for char in name)
    if how == "typo":
        long = [i for i, word in enumerate(words) if len(word) >= 4]
        if not long:
            return None
        i = rng.choice(long)
        word = words[i]
        j = rng.randrange(1, len(word) - 2)
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        return " ".join(words)
    if how == "word order":
        return " ".join(reversed(words)) if len(words) > 1 else None
    if how == "abbreviation":
        long = [i for i, word in enumerate(words) if len(word) >= 6]
        if not long:
            return None
        for i in long:
            words[i] = words[i][:4] + "."
        return " ".join(words)
    raise ValueError(f"unknown perturbation {how!r}")


@dataclass(frozen=True)
class TuningSet:
    """Entities to index for tuning and labelled queries against them.

    Attributes:
        indexed: Entities of the tuning index.
        surfaces: Queries.
        kinds: Kind each query is restricted to.
        gold: The entity each query means, or None when it means none of ``indexed``.

    """

    indexed: list[Entity]
    surfaces: list[str]
    kinds: list[str | None]
    gold: list[str | None]


def held_out(entity_id: str, share: int = 5) -> bool:
    """Whether an entity is held out of the tuning index (one in ``share``, by id hash)."""
    return int(hashlib.sha1(entity_id.encode("utf-8")).hexdigest(), 16) % share == 0


def graph_tuning_set(entities: Sequence[Entity], seed: int = 13, max_entities: int = 5000) -> TuningSet:
    """Queries made from the entities' names (see the module docstring).

    Args:
        entities: The graph's linkable entities.
        seed: Seed of the sample and the perturbations.
        max_entities: Most entities used (a sample of large graphs).

    """
    rng = random.Random(seed)
    pool = list(entities) if len(entities) <= max_entities else rng.sample(list(entities), max_entities)
    indexed = [entity for entity in pool if not held_out(entity.id)]
    surfaces: list[str] = []
    kinds: list[str | None] = []
    gold: list[str | None] = []
    for entity in pool:
        if held_out(entity.id):
            surfaces.append(entity.name)
            kinds.append(entity.kind)
            gold.append(None)
            continue
        for how in PERTURBATIONS[1:]:
            query = perturb(entity.name, how, rng)
            if query is not None and query.casefold() != entity.name.casefold():
                surfaces.append(query)
                kinds.append(entity.kind)
                gold.append(entity.id)
    return TuningSet(indexed, surfaces, kinds, gold)

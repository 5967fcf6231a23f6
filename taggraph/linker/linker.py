"""The linking decision: exact alias, else FAISS candidates of a compatible kind, scored; or NIL."""

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from taggraph.errors import LinkerIndexError
from taggraph.linker.entities import Entity
from taggraph.linker.index import Embedder, EntityIndex
from taggraph.linker.scoring import CharacterSimilarity, LinkScorer, candidate_features
from taggraph.linker.text import normalise

ALIAS = "alias"
SEARCH = "search"
NIL = "nil"
INVALID = "invalid"


@dataclass(frozen=True)
class LinkResult:
    """What a surface form links to.

    Attributes:
        surface: The surface form as given.
        kind: The kind asked for (None: any).
        entity_id: The linked entity, or None for NIL and invalid input.
        score: Calibrated probability of the link (of the best candidate for NIL).
        method: ``alias``, ``search``, ``nil`` or ``invalid``.
        reason: Why an input was invalid.
        candidates: The nearest entities with their ranker probabilities, best first.

    """

    surface: str
    kind: str | None
    entity_id: str | None
    score: float
    method: str
    reason: str = ""
    candidates: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Candidates:
    """FAISS candidates of a batch of queries and their features."""

    positions: np.ndarray
    features: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        """``[n, k]`` whether a slot holds a candidate."""
        return self.positions >= 0


class Linker:
    """Links surface forms to entities of an :class:`EntityIndex`.

    Args:
        index: The entity index.
        embedder: The index's encoder.
        scorer: Calibrated candidate scorer and threshold.
        k: Candidates scored per surface.
        max_chars: Longer surfaces are invalid.

    """

    def __init__(
        self, index: EntityIndex, embedder: Embedder, scorer: LinkScorer, k: int = 10, max_chars: int = 200
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.scorer = scorer
        self.k = k
        self.max_chars = max_chars
        self.characters = CharacterSimilarity(index.entities)
        self.aliases: dict[str, list[int]] = defaultdict(list)
        for position, entity in enumerate(index.entities):
            self._remember_aliases(position, entity)

    def __repr__(self) -> str:
        return f"Linker(entities={len(self.index)}, k={self.k}, threshold={self.scorer.threshold:.3f})"

    def add(self, entities: Sequence[Entity]) -> int:
        """Add new entities to the index and the alias map; returns how many were new."""
        before = len(self.index)
        added = self.index.add(entities, self.embedder)
        if not added:
            return 0
        new = self.index.entities[before:]
        self.characters.add(new)
        for offset, entity in enumerate(new):
            self._remember_aliases(before + offset, entity)
        return added

    def save(self, path: Path) -> Path:
        """Write the index with the scorer and settings beside it (``scorer.json``, ``linker.json``).

        Raises:
            LinkerIndexError: If the folder cannot be written.

        """
        settings = {"k": self.k, "max_chars": self.max_chars}
        return self.index.save(path, extra={"scorer": self.scorer.to_json(), "linker": settings})

    @classmethod
    def load(cls, path: Path, embedder: Embedder, version: str | None = None) -> "Linker":
        """Read a linker written by :meth:`save`.

        Args:
            path: The index folder.
            embedder: The encoder in use; it must be the one the index was built with.
            version: The graph's current entity vocabulary version; a stale index is refused.

        Raises:
            LinkerIndexError: If the folder is missing, incomplete, corrupt or stale.

        """
        index = EntityIndex.load(path, model=embedder.model_id, version=version)
        try:
            scorer = LinkScorer.from_json(json.loads((path / "scorer.json").read_text(encoding="utf-8")))
            settings = json.loads((path / "linker.json").read_text(encoding="utf-8"))
            return cls(index, embedder, scorer, int(settings["k"]), int(settings["max_chars"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LinkerIndexError(f"{path} has no usable scorer: {error}") from error

    def candidates(self, surfaces: Sequence[str], kinds: Sequence[str | None]) -> Candidates:
        """The nearest entities of a compatible kind for each surface, with their features.

        Candidates are the union of the ``k`` nearest by embedding (FAISS) and the ``k`` nearest
        by character n-grams, so a misspelt or abbreviated surface still finds its entity.

        Args:
            surfaces: Valid surface forms.
            kinds: Kind each surface must link to (None: any kind).

        Returns:
            ``[n, 2k]`` positions and features (-1 pads).

        """
        width = self.index.meta.dimension
        vectors = self.embedder.embed(list(surfaces)) if surfaces else np.zeros((0, width), np.float32)
        grams = self.characters.encode(surfaces)
        positions = np.full((len(surfaces), 2 * self.k), -1, dtype=np.int64)
        for kind in dict.fromkeys(kinds):
            rows = [row for row, wanted in enumerate(kinds) if wanted == kind]
            _, dense_positions = self.index.search(vectors[rows], self.k, kind)
            char_positions = self.characters.nearest(grams[rows], self.k, kind)
            for query, row in enumerate(rows):
                found = [int(p) for p in (*dense_positions[query], *char_positions[query]) if p >= 0]
                merged = list(dict.fromkeys(found))
                positions[row, : len(merged)] = merged
        dense = self.index.similarity(vectors, positions)
        chars = self.characters.similarity(grams, positions)
        evidence = self.characters.evidence(surfaces, positions)
        return Candidates(positions, candidate_features(dense, chars, evidence))

    def tune(
        self, surfaces: Sequence[str], kinds: Sequence[str | None], gold: Sequence[str | None]
    ) -> LinkScorer:
        """Fit the scorer and its threshold on labelled queries (gold None: the answer is NIL).

        Raises:
            ValueError: If the queries hold no right or no wrong candidate.

        """
        found = self.candidates(surfaces, kinds)
        gold_positions = np.array(
            [self.index.positions.get(entity_id, -2) if entity_id else -2 for entity_id in gold]
        )
        correct = (found.positions == gold_positions[:, None]) & found.valid
        self.scorer = LinkScorer.fit(
            found.features, found.valid, correct, np.array([g is not None for g in gold])
        )
        return self.scorer

    def link(self, surfaces: Sequence[str], kinds: Sequence[str | None] | None = None) -> list[LinkResult]:
        """Link each surface form, or answer NIL with its nearest entities as suggestions.

        Args:
            surfaces: Surface forms (tag strings generated from product text).
            kinds: Kind each must link to; any kind when None.

        Returns:
            One result per surface, in order.

        """
        kinds = list(kinds) if kinds is not None else [None] * len(surfaces)
        if len(kinds) != len(surfaces):
            raise ValueError(f"{len(surfaces)} surfaces but {len(kinds)} kinds")
        results: list[LinkResult | None] = [None] * len(surfaces)
        searched: list[int] = []
        for row, (surface, kind) in enumerate(zip(surfaces, kinds, strict=True)):
            reason = self.invalid_reason(surface)
            if reason:
                results[row] = LinkResult(str(surface)[:200], kind, None, 0.0, INVALID, reason)
                continue
            exact = [
                p
                for p in self.aliases.get(normalise(surface), [])
                if kind is None or self.index.entities[p].kind == kind
            ]
            if len(exact) == 1:
                results[row] = LinkResult(surface, kind, self.index.entities[exact[0]].id, 1.0, ALIAS)
            else:
                searched.append(row)
        if searched:
            found = self.candidates([surfaces[row] for row in searched], [kinds[row] for row in searched])
            probabilities = np.where(found.valid, self.scorer.probability(found.features), 0.0)
            queries = np.arange(len(searched))
            best = probabilities.argmax(axis=1)
            linked = self.scorer.link_probability(found.features[queries, best], probabilities[queries, best])
            for query, row in enumerate(searched):
                decided = (found.positions[query], probabilities[query], float(linked[query]))
                results[row] = self._decide(surfaces[row], kinds[row], *decided)
        return [result for result in results if result is not None]

    def _decide(
        self, surface: str, kind: str | None, positions: np.ndarray, probabilities: np.ndarray, linked: float
    ) -> LinkResult:
        order = np.argsort(-probabilities, kind="stable")
        suggestions = [
            (self.index.entities[positions[column]].id, float(probabilities[column]))
            for column in order
            if positions[column] >= 0
        ]
        if not suggestions:
            return LinkResult(surface, kind, None, 0.0, NIL)
        if linked >= self.scorer.threshold:
            return LinkResult(surface, kind, suggestions[0][0], linked, SEARCH, candidates=suggestions)
        return LinkResult(surface, kind, None, linked, NIL, candidates=suggestions)

    def invalid_reason(self, surface: object) -> str:
        """Why a surface form cannot be linked ("" when it can): not text, empty or too long."""
        if not isinstance(surface, str):
            return "not a string"
        if not normalise(surface):
            return "empty after normalisation"
        if len(surface) > self.max_chars:
            return f"longer than {self.max_chars} characters"
        return ""

    def _remember_aliases(self, position: int, entity: Entity) -> None:
        for surface in entity.surfaces:
            key = normalise(surface)
            if key and position not in self.aliases[key]:
                self.aliases[key].append(position)

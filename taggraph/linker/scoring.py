"""Candidate features and the calibrated probability that a candidate is the right entity.

The features of a (surface form, candidate entity) pair:

- ``dense``: cosine of the encoder's embeddings (the FAISS score);
- ``chars``: cosine of character 3-5-gram TF-IDF vectors of the surface and the entity's
  context (name, aliases, description);
- ``margin``: how far the candidate's combined score is above the next candidate's;
- ``code_match``: 1 when a model-number-like code of the surface occurs in the entity's
  context, -1 when the surface has codes and none occurs, 0 when it has none;
- ``code_sibling``: 1 when a code of the surface is missing from the entity but the entity
  has a code one or two edits away (``rxv663bk`` against ``rxv863bk``: a sibling model);
- ``colour_conflict``: 1 when the surface and the entity name colours and share none;
- ``surface_coverage``: the share of the surface's words found in the entity's context (a
  word is found when equal, when one of the two starts the other, as an abbreviation does,
  or when it is one edit or swap from a context word of four letters or more);
- ``name_coverage``: the share of the entity name's words found that way in the surface, so
  ``tartan zebra stripe`` does not take ``tan`` for a link and ``light blue`` is not ``blue``;
- ``rank``: 0 for the best candidate, 1 for the rest.

A logistic regression over them, fit on labelled tuning queries, gives the probability that
a candidate is the entity the surface means; the linker links the best candidate when it
clears a threshold tuned on the same queries, and answers NIL otherwise.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz.distance import OSA, Levenshtein
from sklearn.feature_extraction.text import TfidfVectorizer

from taggraph.linker.entities import Entity
from taggraph.linker.text import codes, colours, compact, normalise

FEATURES = (
    "dense",
    "chars",
    "margin",
    "code_match",
    "code_sibling",
    "colour_conflict",
    "surface_coverage",
    "name_coverage",
    "rank",
)
EVIDENCE = 5


class CharacterSimilarity:
    """Character n-gram TF-IDF cosine between surface forms and entity contexts.

    Args:
        entities: The entities, in index order.

    """

    def __init__(self, entities: Sequence[Entity]) -> None:
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
        self.matrix = self.vectorizer.fit_transform([entity.context.lower() for entity in entities] or [""])
        self.compact: list[str] = []
        self.codes: list[set[str]] = []
        self.colours: list[frozenset[str]] = []
        self.context_words: list[frozenset[str]] = []
        self.name_words: list[tuple[str, ...]] = []
        self.kinds: list[str] = []
        self._columns: dict[str | None, tuple[np.ndarray | None, Any]] = {}
        self._remember(entities)

    def __repr__(self) -> str:
        return f"CharacterSimilarity(entities={len(self.compact)})"

    def add(self, entities: Sequence[Entity]) -> None:
        """Append entities (the n-gram weights stay those of the first fit)."""
        from scipy.sparse import vstack

        rows = self.vectorizer.transform([entity.context.lower() for entity in entities])
        self.matrix = vstack([self.matrix, rows]).tocsr()
        self._remember(entities)
        self._columns = {}

    def _remember(self, entities: Sequence[Entity]) -> None:
        self.compact.extend(compact(entity.context) for entity in entities)
        self.codes.extend(codes(entity.context) for entity in entities)
        self.colours.extend(colours(" ".join(entity.surfaces)) for entity in entities)
        self.context_words.extend(frozenset(normalise(entity.context).split()) for entity in entities)
        self.name_words.extend(tuple(normalise(entity.name).split()) for entity in entities)
        self.kinds.extend(entity.kind for entity in entities)

    def encode(self, surfaces: Sequence[str]) -> Any:
        """``[n, n-grams]`` sparse TF-IDF rows of surface forms, the query side of the cosines."""
        return self.vectorizer.transform([surface.lower() for surface in surfaces])

    def _columns_of(self, kind: str | None) -> tuple[np.ndarray | None, Any]:
        """The positions of ``kind``'s entities (None: all) and their n-gram matrix transposed.

        Kept per kind, so a query multiplies into a ready matrix instead of converting the
        entity matrix on every call.
        """
        if kind not in self._columns:
            if kind is None:
                self._columns[kind] = (None, self.matrix.T.tocsr())
            else:
                positions = np.flatnonzero(np.asarray(self.kinds, dtype=object) == kind)
                self._columns[kind] = (positions, self.matrix[positions].T.tocsr())
        return self._columns[kind]

    def nearest(self, queries: Any, k: int, kind: str | None = None) -> np.ndarray:
        """``[n, k]`` positions of the entities (of ``kind``) with the highest cosine; -1 pads.

        Args:
            queries: ``[n, n-grams]`` rows from :meth:`encode`.
            k: Entities per surface.
            kind: Only entities of this kind (every kind when None).

        """
        out = np.full((queries.shape[0], k), -1, dtype=np.int64)
        positions, columns = self._columns_of(kind)
        if columns.shape[1] == 0 or queries.shape[0] == 0:
            return out
        products = (queries @ columns).tocsr()
        for row in range(queries.shape[0]):
            start, end = products.indptr[row], products.indptr[row + 1]
            found, values = products.indices[start:end], products.data[start:end]
            best = found[np.argsort(-values, kind="stable")[:k]]
            out[row, : len(best)] = best if positions is None else positions[best]
        return out

    def similarity(self, queries: Any, positions: np.ndarray) -> np.ndarray:
        """``[n, k]`` cosines of each query (rows of :meth:`encode`) with its candidates (0 where -1)."""
        out = np.zeros(positions.shape, dtype=np.float32)
        valid = positions >= 0
        if valid.any():
            query_rows, _ = np.nonzero(valid)
            pairs = self.matrix[positions[valid]].multiply(queries[query_rows])
            out[valid] = np.asarray(pairs.sum(axis=1), dtype=np.float32).ravel()
        return out

    def evidence(self, surfaces: Sequence[str], positions: np.ndarray) -> np.ndarray:
        """``[n, k, EVIDENCE]`` code match, code sibling, colour conflict and the two coverages."""
        out = np.zeros((*positions.shape, EVIDENCE), dtype=np.float32)
        for row, surface in enumerate(surfaces):
            surface_codes = codes(surface)
            surface_colours = colours(surface)
            words = normalise(surface).split()
            for column, position in enumerate(positions[row]):
                if position < 0:
                    continue
                if surface_codes:
                    found = any(code in self.compact[position] for code in surface_codes)
                    out[row, column, 0] = 1.0 if found else -1.0
                    out[row, column, 1] = float(
                        not found and _has_sibling(surface_codes, self.codes[position])
                    )
                entity_colours = self.colours[position]
                out[row, column, 2] = float(
                    bool(surface_colours and entity_colours) and not surface_colours & entity_colours
                )
                out[row, column, 3] = _coverage(words, self.context_words[position])
                out[row, column, 4] = _coverage(self.name_words[position], frozenset(words))
        return out


def _word_found(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary:
        return True
    size = len(word)
    for other in vocabulary:
        other_size = len(other)
        if size >= 3 and other_size >= 3 and (other.startswith(word) or word.startswith(other)):
            return True
        if (
            size >= 4
            and other_size >= 4
            and abs(size - other_size) <= 1
            and OSA.distance(word, other, score_cutoff=1) <= 1
        ):
            return True
    return False


def _coverage(words: Sequence[str], vocabulary: frozenset[str]) -> float:
    """The share of ``words`` found in ``vocabulary`` (0 for no words)."""
    if not words:
        return 0.0
    return sum(_word_found(word, vocabulary) for word in words) / len(words)


def _has_sibling(surface_codes: set[str], entity_codes: set[str]) -> bool:
    return any(
        Levenshtein.distance(mine, theirs, score_cutoff=2) <= 2
        for mine in surface_codes
        for theirs in entity_codes
        if abs(len(mine) - len(theirs)) <= 2
    )


def candidate_features(dense: np.ndarray, chars: np.ndarray, evidence: np.ndarray) -> np.ndarray:
    """``[n, k, len(FEATURES)]`` features of every candidate.

    Args:
        dense: ``[n, k]`` FAISS scores (``-inf`` where there is no candidate).
        chars: ``[n, k]`` character similarities.
        evidence: ``[n, k, EVIDENCE]`` from :meth:`CharacterSimilarity.evidence`.

    """
    dense = np.where(np.isfinite(dense), dense, -1.0).astype(np.float32)
    combined = dense + chars
    ordered = -np.sort(-combined, axis=1)
    top = ordered[:, :1]
    runner_up = ordered[:, 1:2] if combined.shape[1] > 1 else np.full_like(top, -1.0)
    margin = combined - np.where(combined >= top, runner_up, top)
    rank = (combined < top).astype(np.float32)
    return np.concatenate([np.stack([dense, chars, margin], axis=-1), evidence, rank[..., None]], axis=-1)


def _logistic(values: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    logits = np.asarray(values @ weights + bias, dtype=np.float64)
    return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32)


def _balanced_logistic_regression(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced")
    model.fit(values, labels.astype(np.int32))
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


@dataclass
class LinkScorer:
    """Two logistic regressions and the link threshold.

    The ranker scores every candidate over :data:`FEATURES`; the linker scores the best-ranked
    candidate over the same features and the ranker's probability, and says whether it is
    the entity the surface means (trained on the top candidates only, where NIL is decided).

    Attributes:
        weights: Ranker weight per feature.
        bias: Ranker intercept.
        threshold: Least link probability for a link; below it the answer is NIL.
        link_weights: Linker weights (features, then the ranker's probability); when None the
            ranker's probability is the link probability.
        link_bias: Linker intercept.

    """

    weights: np.ndarray
    bias: float
    threshold: float
    link_weights: np.ndarray | None = None
    link_bias: float = 0.0

    @classmethod
    def untrained(cls) -> "LinkScorer":
        """Equal weight on the two similarities, codes and coverage as tie-breakers; threshold 0.5."""
        weights = [4.0, 4.0, 2.0, 2.0, -2.0, -1.0, 1.0, 1.0, -1.0]
        return cls(np.array(weights, dtype=np.float32), -5.0, 0.5)

    def probability(self, features: np.ndarray) -> np.ndarray:
        """Ranker probability that each candidate is right; ``features`` is ``[..., len(FEATURES)]``."""
        return _logistic(features, self.weights, self.bias)

    def link_probability(self, features: np.ndarray, probability: np.ndarray) -> np.ndarray:
        """``[n]`` probability that each query's best candidate is its entity.

        Args:
            features: ``[n, len(FEATURES)]`` features of the best candidates.
            probability: ``[n]`` their ranker probabilities.

        """
        if self.link_weights is None:
            return np.asarray(probability, dtype=np.float32)
        return _logistic(np.column_stack([features, probability]), self.link_weights, self.link_bias)

    @classmethod
    def fit(
        cls, features: np.ndarray, valid: np.ndarray, correct: np.ndarray, gold_linkable: np.ndarray
    ) -> "LinkScorer":
        """Fit both models on tuning queries and choose the threshold with the best overall accuracy.

        Args:
            features: ``[n, k, F]`` candidate features.
            valid: ``[n, k]`` whether there is a candidate in the slot.
            correct: ``[n, k]`` 1 where the candidate is the gold entity.
            gold_linkable: ``[n]`` whether the query has a gold entity (False: NIL).

        Raises:
            ValueError: If the tuning queries hold no correct and no wrong candidate.

        """
        labels = correct[valid]
        if labels.min(initial=1) == labels.max(initial=0):
            raise ValueError("tuning needs queries with both right and wrong candidates")
        scorer = cls(*_balanced_logistic_regression(features[valid], labels), 0.5)
        probabilities = np.where(valid, scorer.probability(features), 0.0)
        rows = np.arange(len(features))
        best = probabilities.argmax(axis=1)
        top_features, top_probability = features[rows, best], probabilities[rows, best]
        top_correct = (correct[rows, best] & valid[rows, best]).astype(bool)
        if 0 < top_correct.sum() < len(top_correct):
            stacked = np.column_stack([top_features, top_probability])
            scorer.link_weights, scorer.link_bias = _balanced_logistic_regression(stacked, top_correct)
        linked = scorer.link_probability(top_features, top_probability)
        candidates = np.unique(np.concatenate([[0.5], linked]))
        accuracy = [np.mean(np.where(linked >= t, top_correct, ~gold_linkable)) for t in candidates]
        scorer.threshold = float(candidates[int(np.argmax(accuracy))])
        return scorer

    def to_json(self) -> dict[str, Any]:
        """The scorer as JSON-ready values."""
        return {
            "features": list(FEATURES),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "threshold": self.threshold,
            "link_weights": None if self.link_weights is None else self.link_weights.tolist(),
            "link_bias": self.link_bias,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LinkScorer":
        """Read :meth:`to_json` output.

        Raises:
            ValueError: If it was written for other features.

        """
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError(f"the scorer was fit on features {data.get('features')}, not {list(FEATURES)}")
        link = data.get("link_weights")
        return cls(
            np.asarray(data["weights"], dtype=np.float32),
            float(data["bias"]),
            float(data["threshold"]),
            None if link is None else np.asarray(link, dtype=np.float32),
            float(data.get("link_bias", 0.0)),
        )

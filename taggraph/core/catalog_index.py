"""The catalog in memory for serving: products, their tags with probabilities, co-interactions.

Recommendations and similar products are ranked from this index, not by a query per request:
it holds every product's name, price, category and brand, a ``[products, features]`` matrix of
the probability that a product carries each tag, category and brand (catalog and human facts 1,
proposals their score, rejected edges left out), the co-interaction counts between products, each
product's interaction count and every user's latest products. The service builds it from the
graph when it loads its models and again when the graph changes (see :func:`graph_version`).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.export import (
    HAS_BRAND,
    HAS_TAG,
    IN_CATEGORY,
    INTERACTED,
    SUBCATEGORY_OF,
    EdgeTable,
    GraphSnapshot,
    read_snapshot,
)

HISTORY = 50
"""Latest products kept per user."""
CO_INTERACTION_HISTORY = 200
"""Latest products per user that count towards co-interactions (a heavy user adds n² pairs)."""
FEATURE_KINDS = ("tag", "category", "brand")
COMMON_SHARE = 0.02
"""Features carried by more than this share of the products are also kept as dense columns: adding
one is a contiguous multiply-add instead of a scatter over tens of thousands of positions."""


@dataclass(frozen=True)
class Filters:
    """Restrictions on recommended products: category (or an ancestor), brand, price range."""

    category_id: str | None = None
    brand_id: str | None = None
    min_price: float | None = None
    max_price: float | None = None


@dataclass
class CatalogIndex:
    """Products, their features and interactions, by position.

    Attributes:
        product_ids: Graph ids in position order.
        position: Graph id -> position.
        names: Product names by position.
        prices: Prices by position (NaN when unknown).
        feature_ids: Tag, category and brand ids, by feature column.
        feature_kinds: ``tag``, ``category`` or ``brand`` by feature column.
        features: ``[products, features]`` CSR, the probability a product carries each feature.
        by_feature: The same matrix as CSC, for a feature's products.
        parents: Category id -> parent category id.
        co_interactions: ``[products, products]`` CSR, distinct users who took both.
        popularity: Interactions per product.
        histories: Pseudonymous user id -> positions of the user's latest interactions, newest
            first (a product taken again appears again, as the next-item model reads them).
        embeddings: ``[products, d]`` unit-length product embeddings (``taggraph embed``), if any.
        rarity: Per feature column, ``1 / ln(2 + products carrying it)``.
        popularity_scaled: ``ln(1 + interactions)`` scaled to 1 at the most taken product.
        taken_any: Whether any product was taken at all.
        common_features: Feature columns carried by more than :data:`COMMON_SHARE` of products.
        common_dense: ``[products, common features]`` those columns, dense.
        common_position: Per feature column, its column in ``common_dense`` (-1 if not common).

    """

    product_ids: list[str]
    position: dict[str, int]
    names: list[str | None]
    prices: np.ndarray
    feature_ids: list[str]
    feature_kinds: np.ndarray
    features: sp.csr_matrix
    parents: dict[str, str]
    co_interactions: sp.csr_matrix
    popularity: np.ndarray
    histories: dict[str, list[int]]
    embeddings: np.ndarray | None = None
    feature_column: dict[str, int] = field(init=False)
    by_feature: sp.csc_matrix = field(init=False)
    rarity: np.ndarray = field(init=False)
    popularity_scaled: np.ndarray = field(init=False)
    taken_any: bool = field(init=False)
    common_features: np.ndarray = field(init=False)
    common_dense: np.ndarray = field(init=False)
    common_position: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.feature_column = {feature: column for column, feature in enumerate(self.feature_ids)}
        self.by_feature = self.features.tocsc()
        self.by_feature.sort_indices()
        self.co_interactions.sort_indices()
        carriers = np.diff(self.by_feature.indptr)
        self.rarity = (1.0 / np.log(2.0 + carriers)).astype(np.float32)
        self.common_features = np.flatnonzero(carriers > max(COMMON_SHARE * len(self), 1.0))
        self.common_dense = np.asfortranarray(
            self.by_feature[:, self.common_features].toarray(), dtype=np.float32
        )
        self.common_position = np.full(len(self.feature_ids), -1, dtype=np.int64)
        self.common_position[self.common_features] = np.arange(len(self.common_features))
        self.taken_any = bool(self.popularity.any())
        logged = np.log1p(self.popularity)
        self.popularity_scaled = (
            logged / logged.max() if logged.size and logged.max() > 0 else logged
        ).astype(np.float32)
        self._category_mask = lru_cache(maxsize=256)(self._category_mask_uncached)

    def __len__(self) -> int:
        return len(self.product_ids)

    def co_interacted(self, first: int, second: int) -> bool:
        """Whether some user took both products."""
        neighbours, _ = sparse_row(self.co_interactions, first)
        at = int(np.searchsorted(neighbours, second))
        return at < len(neighbours) and neighbours[at] == second

    def positions(self, product_ids: Iterable[str]) -> list[int]:
        """Positions of the ids the index knows, in the given order, without repeats."""
        return list(dict.fromkeys(self.position[p] for p in product_ids if p in self.position))

    def carriers(self, feature_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the products carrying a feature and the probability of each (empty if unknown)."""
        column = self.feature_column.get(feature_id)
        if column is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        positions, probability = sparse_row(self.by_feature, column)
        return positions.astype(np.int64), probability

    def probability(self, positions: np.ndarray, feature_id: str) -> np.ndarray:
        """The probability that each product at ``positions`` carries a feature (0 where it does not)."""
        column = self.feature_column.get(feature_id)
        if column is None:
            return np.zeros(len(positions), dtype=np.float32)
        carriers, probability = sparse_row(self.by_feature, column)  # carriers sorted
        if len(carriers) == 0:
            return np.zeros(len(positions), dtype=np.float32)
        at = np.minimum(np.searchsorted(carriers, positions), len(carriers) - 1)
        return np.where(carriers[at] == positions, probability[at], 0.0).astype(np.float32)

    def feature_columns(self, position: int) -> set[int]:
        """The feature columns of the tags, category and brand a product carries."""
        return set(sparse_row(self.features, position)[0].tolist())

    def shared_features(self, columns: set[int], product: int) -> list[tuple[str, str]]:
        """``(kind, id)`` of the features among ``columns`` that ``product`` carries, rarest first."""
        common = columns.intersection(sparse_row(self.features, product)[0].tolist())
        ordered = sorted(common, key=lambda c: (-self.rarity[c], c))
        return [(str(self.feature_kinds[c]), self.feature_ids[c]) for c in ordered]

    def allowed(self, filters: Filters) -> np.ndarray | None:
        """A boolean mask of the products within ``filters``; None when nothing is filtered."""
        mask: np.ndarray | None = None

        def narrow(part: np.ndarray) -> None:
            nonlocal mask
            mask = part if mask is None else mask & part

        if filters.min_price is not None:
            narrow(self.prices >= filters.min_price)
        if filters.max_price is not None:
            narrow(self.prices <= filters.max_price)
        if filters.brand_id is not None:
            narrow(self._members([filters.brand_id], "brand"))
        if filters.category_id is not None:
            narrow(self._category_mask(filters.category_id))
        return mask

    def _members(self, feature_ids: list[str], kind: str) -> np.ndarray:
        mask = np.zeros(len(self), dtype=bool)
        for feature_id in feature_ids:
            column = self.feature_column.get(feature_id)
            if column is not None and self.feature_kinds[column] == kind:
                mask[self.carriers(feature_id)[0]] = True
        return mask

    def _category_mask_uncached(self, category_id: str) -> np.ndarray:
        within = [
            category
            for category in self.parents.keys() | self.parents.values() | self._categories()
            if category_id in self._ancestry(category)
        ]
        return self._members(within, "category")

    def _categories(self) -> set[str]:
        return {f for f, kind in zip(self.feature_ids, self.feature_kinds, strict=True) if kind == "category"}

    def _ancestry(self, category: str) -> set[str]:
        seen = {category}
        while category in self.parents and self.parents[category] not in seen:
            category = self.parents[category]
            seen.add(category)
        return seen


def sparse_row(matrix: sp.csr_matrix | sp.csc_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of row ``i`` of a CSR matrix (or column ``i`` of a CSC one)."""
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end], matrix.data[start:end]


def graph_version(executor: GraphExecutor) -> dict[str, Any]:
    """What changes when the graph does: node and edge counts and the newest tag edge change."""
    return executor.read("read/graph_version")[0]


def read_catalog_index(executor: GraphExecutor) -> CatalogIndex:
    """Read every product, its features and every interaction from the graph into memory.

    A graph without products gives an empty catalog (every answer empty until an ingest).
    """
    try:
        snapshot = read_snapshot(executor)
    except InputError:  # no product yet
        return index_of_snapshot(empty_snapshot())
    embeddings = None
    if any(row["name"] == "product_embedding" for row in executor.read("read/vector_index_dimensions")):
        embeddings = _read_embeddings(executor, snapshot.ids["product"])
    return index_of_snapshot(snapshot, embeddings)


def index_of_snapshot(snapshot: GraphSnapshot, embeddings: np.ndarray | None = None) -> CatalogIndex:
    """The serving index of a snapshot (as :func:`~taggraph.graph.export.read_snapshot` reads it).

    Args:
        snapshot: Products, tags, categories, brands, users and their edges.
        embeddings: ``[products, d]`` product embeddings in snapshot order, rows of zeros where
            a product has none.

    """
    products = snapshot.ids["product"]
    n = len(products)
    columns: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    feature_ids: list[str] = []
    kinds: list[str] = []
    for kind, edge_type, node_type in (
        ("tag", HAS_TAG, "tag"),
        ("category", IN_CATEGORY, "category"),
        ("brand", HAS_BRAND, "brand"),
    ):
        table = snapshot.edges[edge_type]
        probability = _edge_probability(table.properties, len(table))
        kept = probability > 0.0
        columns.append((table.source[kept], table.target[kept] + len(feature_ids), probability[kept]))
        feature_ids += snapshot.ids[node_type]
        kinds += [kind] * len(snapshot.ids[node_type])
    rows, cols, values = (np.concatenate(parts) for parts in zip(*columns, strict=True))
    features = sp.coo_matrix((values.astype(np.float32), (rows, cols)), shape=(n, len(feature_ids))).tocsr()
    features.sum_duplicates()
    categories = snapshot.properties["category"]
    parents = {
        category: parent
        for category, parent in zip(snapshot.ids["category"], categories.get("parent", []), strict=False)
        if parent is not None
    }
    co_interactions, popularity, histories = _interactions(snapshot)
    return CatalogIndex(
        product_ids=list(products),
        position={product: i for i, product in enumerate(products)},
        names=list(snapshot.properties["product"].get("name", [None] * n)),
        prices=np.array(
            [
                np.nan if p is None else float(p)
                for p in snapshot.properties["product"].get("price", [None] * n)
            ],
            dtype=np.float64,
        ),
        feature_ids=feature_ids,
        feature_kinds=np.array(kinds, dtype=object),
        features=features,
        parents=parents,
        co_interactions=co_interactions,
        popularity=popularity,
        histories=histories,
        embeddings=_unit_rows(embeddings) if embeddings is not None else None,
    )


def empty_snapshot() -> GraphSnapshot:
    """A snapshot of a graph without nodes."""
    node_types = ("product", "tag", "category", "brand", "user")
    none = np.zeros(0, dtype=np.int64)
    return GraphSnapshot(
        ids={node_type: [] for node_type in node_types},
        properties={node_type: {} for node_type in node_types},
        edges={
            edge_type: EdgeTable(none, none)
            for edge_type in (HAS_TAG, IN_CATEGORY, SUBCATEGORY_OF, HAS_BRAND, INTERACTED)
        },
    )


def _edge_probability(properties: dict[str, list[Any]], count: int) -> np.ndarray:
    """Per edge: 0 when rejected, its score when proposed, 1 for catalog and human facts."""
    statuses = properties.get("status", [None] * count)
    scores = properties.get("score", [None] * count)
    out = np.ones(count, dtype=np.float32)
    for i, (status, score) in enumerate(zip(statuses, scores, strict=True)):
        if status == "rejected":
            out[i] = 0.0
        elif status == "proposed":
            out[i] = min(max(float(score), 0.0), 1.0) if score is not None else 0.5
    return out


def _interactions(snapshot: GraphSnapshot) -> tuple[sp.csr_matrix, np.ndarray, dict[str, list[int]]]:
    """Co-interaction counts, interactions per product and every user's latest products."""
    table = snapshot.edges[INTERACTED]
    n = len(snapshot.ids["product"])
    popularity = np.bincount(table.target, minlength=n).astype(np.float32)
    times = np.array([0 if t is None else t for t in table.properties.get("ts", [])], dtype=np.float64)
    order = np.lexsort((table.target, times, table.source)) if len(table) else np.zeros(0, dtype=np.int64)
    users, items = table.source[order], table.target[order]
    starts = np.searchsorted(users, np.arange(len(snapshot.ids["user"]) + 1))
    histories: dict[str, list[int]] = {}
    recent_users, recent_items = [], []
    for user, user_id in enumerate(snapshot.ids["user"]):
        sequence = items[starts[user] : starts[user + 1]]
        if not len(sequence):
            continue
        histories[user_id] = sequence[::-1][:HISTORY].tolist()
        kept = list(dict.fromkeys(sequence[::-1].tolist()))[:CO_INTERACTION_HISTORY]
        recent_users.append(np.full(len(kept), user))
        recent_items.append(np.array(kept, dtype=np.int64))
    return (
        co_interaction_counts(recent_users, recent_items, len(snapshot.ids["user"]), n),
        popularity,
        histories,
    )


def co_interaction_counts(
    users: list[np.ndarray], items: list[np.ndarray], n_users: int, n_items: int
) -> sp.csr_matrix:
    """``[items, items]`` CSR: distinct users who took both (the diagonal zero).

    Args:
        users: Per chunk, user positions.
        items: Per chunk, the item positions of those users (distinct per user).
        n_users: User count.
        n_items: Item count.

    """
    if not users:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    user_index, item_index = np.concatenate(users), np.concatenate(items)
    taken = sp.csr_matrix(
        (np.ones(len(user_index), dtype=np.float32), (user_index, item_index)), shape=(n_users, n_items)
    )
    taken.data[:] = 1.0
    counts = (taken.T @ taken).tocsr()
    counts.setdiag(0.0)
    counts.eliminate_zeros()
    return counts


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0.0, 1.0, norms)).astype(np.float32)


def _read_embeddings(executor: GraphExecutor, product_ids: list[str]) -> np.ndarray | None:
    """Product embeddings in ``product_ids`` order (zeros where missing); None when there are none."""
    position = {product: i for i, product in enumerate(product_ids)}
    vectors: np.ndarray | None = None
    after = ""
    while True:
        rows = executor.read("read/product_embeddings", after=after, limit=10_000)
        if not rows:
            return vectors
        for row in rows:
            if vectors is None:
                vectors = np.zeros((len(product_ids), len(row["embedding"])), dtype=np.float32)
            if row["id"] in position and len(row["embedding"]) == vectors.shape[1]:
                vectors[position[row["id"]]] = row["embedding"]
        after = rows[-1]["id"]

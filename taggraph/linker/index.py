"""A FAISS index over entity surface forms, saved with the metadata that says what it is for."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from taggraph.encoders.artifacts import check_format, require_files, write_directory, write_format
from taggraph.errors import LinkerIndexError, ModelArtifactError
from taggraph.linker.entities import Entity, vocabulary_version

EXACT = "exact"
HNSW = "hnsw"
FILES = ("index.faiss", "entities.jsonl", "meta.json")


class Embedder(Protocol):
    """What the index needs of an encoder: an id, a width and unit vectors."""

    @property
    def model_id(self) -> str:
        """Identifies the model's weights."""
        ...

    @property
    def dimension(self) -> int:
        """Width of the vectors."""
        ...

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """``[len(texts), dimension]`` float32 unit vectors."""
        ...


@dataclass(frozen=True)
class IndexMeta:
    """What an index was built from.

    Attributes:
        model: Encoder id (see ``TextEmbedder.model_id``).
        dimension: Vector width.
        entities: Number of entities.
        surfaces: Number of vectors (a name and each alias).
        vocabulary_version: Hash of the entities (:func:`vocabulary_version`).
        index_type: ``exact`` (flat inner product) or ``hnsw``.

    """

    model: str
    dimension: int
    entities: int
    surfaces: int
    vocabulary_version: str
    index_type: str


class EntityIndex:
    """Entities and one unit vector per surface form, searchable by inner product.

    Up to ``exact_max`` surfaces the index is exact (``IndexFlatIP``); above it, HNSW
    (``IndexHNSWFlat``, inner product). A GPU is used for search when faiss-gpu finds one.

    Args:
        entities: The entities, in index order.
        index: FAISS index whose row ``r`` is a surface of entity ``owners[r]``.
        owners: ``[surfaces]`` entity position of each row.
        meta: What the index was built from.

    """

    def __init__(
        self, entities: list[Entity], index: faiss.Index, owners: np.ndarray, meta: IndexMeta
    ) -> None:
        self.entities = entities
        self.index = index
        self.owners = owners
        self.meta = meta
        self.positions = {entity.id: position for position, entity in enumerate(entities)}
        self._search_index = _on_gpu(index)
        self._kind_rows: dict[str, np.ndarray] | None = None
        self._surface_rows: list[list[int]] | None = None

    def __repr__(self) -> str:
        meta = self.meta
        return f"EntityIndex(entities={len(self.entities)}, type={meta.index_type}, model={meta.model!r})"

    def __len__(self) -> int:
        return len(self.entities)

    @classmethod
    def build(
        cls, entities: Sequence[Entity], embedder: Embedder, exact_max: int = 200_000, hnsw_m: int = 32
    ) -> "EntityIndex":
        """Embed every surface form and index it.

        Args:
            entities: Entities with unique ids.
            embedder: The encoder.
            exact_max: Most surfaces for an exact index; HNSW above.
            hnsw_m: Links per HNSW node.

        Raises:
            LinkerIndexError: If an id repeats.

        """
        entities = list(entities)
        if len({entity.id for entity in entities}) != len(entities):
            raise LinkerIndexError("entity ids repeat; each entity must appear once")
        surfaces, owners = _surfaces(entities, 0)
        index_type = EXACT if len(surfaces) <= exact_max else HNSW
        index: faiss.Index
        if index_type == EXACT:
            index = faiss.IndexFlatIP(embedder.dimension)
        else:
            hnsw = faiss.IndexHNSWFlat(embedder.dimension, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            hnsw.hnsw.efSearch = 128
            index = hnsw
        if surfaces:
            index.add(embedder.embed(surfaces))
        meta = IndexMeta(
            embedder.model_id,
            embedder.dimension,
            len(entities),
            len(surfaces),
            vocabulary_version(entities),
            index_type,
        )
        return cls(entities, index, np.asarray(owners, dtype=np.int64), meta)

    def add(self, entities: Sequence[Entity], embedder: Embedder) -> int:
        """Add the entities whose ids the index lacks; returns how many were added.

        Raises:
            LinkerIndexError: If ``embedder`` is not the index's encoder.

        """
        if embedder.model_id != self.meta.model:
            raise LinkerIndexError(f"the index was built with {self.meta.model}, not {embedder.model_id}")
        new = [entity for entity in dict.fromkeys(entities) if entity.id not in self.positions]
        if not new:
            return 0
        surfaces, owners = _surfaces(new, len(self.entities))
        self.index.add(embedder.embed(surfaces))
        self.entities.extend(new)
        self.positions.update({entity.id: len(self.positions) + i for i, entity in enumerate(new)})
        self.owners = np.concatenate([self.owners, np.asarray(owners, dtype=np.int64)])
        self.meta = IndexMeta(
            self.meta.model,
            self.meta.dimension,
            len(self.entities),
            int(self.index.ntotal),
            vocabulary_version(self.entities),
            self.meta.index_type,
        )
        self._search_index = _on_gpu(self.index)
        self._kind_rows = None
        self._surface_rows = None
        return len(new)

    @property
    def kinds(self) -> list[str]:
        """The kinds of the indexed entities, sorted."""
        return sorted({entity.kind for entity in self.entities})

    def _rows_of_kind(self, kind: str | None) -> np.ndarray | None:
        """Index rows of the entities of ``kind`` (None: no restriction)."""
        if kind is None:
            return None
        if self._kind_rows is None:
            kinds = np.array([entity.kind for entity in self.entities] or [""], dtype=object)[self.owners]
            self._kind_rows = {
                name: np.flatnonzero(kinds == name).astype(np.int64)
                for name in {e.kind for e in self.entities}
            }
        return self._kind_rows.get(kind, np.zeros(0, dtype=np.int64))

    def similarity(self, vectors: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """``[n, m]`` inner product of each query with each of its entities' best surface.

        Args:
            vectors: ``[n, dimension]`` unit query vectors.
            positions: ``[n, m]`` entity positions; -1 gives ``-inf``.

        """
        out = np.full(positions.shape, -np.inf, dtype=np.float32)
        valid = positions >= 0
        if not valid.any():
            return out
        if self._surface_rows is None:
            self._surface_rows = _rows_by_owner(self.owners, len(self))
        wanted, slots = np.unique(positions[valid], return_inverse=True)
        counts = np.array([len(self._surface_rows[position]) for position in wanted])
        rows = np.concatenate([self._surface_rows[position] for position in wanted]).astype(np.int64)
        stored = self.index.reconstruct_batch(rows)
        scores = np.asarray(vectors, dtype=np.float32) @ stored.T
        best = np.maximum.reduceat(scores, np.concatenate([[0], np.cumsum(counts)[:-1]]), axis=1)
        query_rows, _ = np.nonzero(valid)
        out[valid] = best[query_rows, slots]
        return out

    def search(self, vectors: np.ndarray, k: int, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best entities of each query vector (an entity counts once, by its best surface).

        Args:
            vectors: ``[n, dimension]`` unit query vectors.
            k: Entities per query.
            kind: Only entities of this kind (every kind when None).

        Returns:
            ``(scores, positions)``, each ``[n, k]``; missing results are ``-inf`` / ``-1``.

        """
        n = len(vectors)
        scores = np.full((n, k), -np.inf, dtype=np.float32)
        positions = np.full((n, k), -1, dtype=np.int64)
        rows_of_kind = self._rows_of_kind(kind)
        total = int(self.index.ntotal) if rows_of_kind is None else len(rows_of_kind)
        if n == 0 or total == 0:
            return scores, positions
        depth = min(total, k * max(1, int(np.ceil(self.meta.surfaces / max(1, len(self))))) * 2)
        queries = np.ascontiguousarray(vectors, dtype=np.float32)
        if rows_of_kind is None:
            found_scores, rows = self._search_index.search(queries, depth)
        else:
            # faiss's bundled type stubs lack the search-parameter classes and their keywords.
            selector = faiss.IDSelectorBatch(rows_of_kind)
            parameters = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=max(128, depth))  # type: ignore[attr-defined]
                if self.meta.index_type == HNSW
                else faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
            )
            found_scores, rows = self.index.search(queries, depth, params=parameters)
        for query in range(n):
            seen: set[int] = set()
            for score, row in zip(found_scores[query], rows[query], strict=True):
                if row < 0:
                    continue
                owner = int(self.owners[row])
                if owner in seen:
                    continue
                seen.add(owner)
                scores[query, len(seen) - 1] = score
                positions[query, len(seen) - 1] = owner
                if len(seen) == k:
                    break
        return scores, positions

    def save(self, path: Path, extra: dict[str, object] | None = None) -> Path:
        """Write ``index.faiss``, ``entities.jsonl``, ``meta.json`` (and ``extra`` files as JSON).

        The folder is written beside ``path`` and moved into place, so a failed save leaves
        the earlier index intact.

        Raises:
            LinkerIndexError: If the folder cannot be written.

        """

        def write(folder: Path) -> None:
            faiss.write_index(self.index, str(folder / "index.faiss"))
            with (folder / "entities.jsonl").open("w", encoding="utf-8") as handle:
                for entity, owner_rows in zip(
                    self.entities, _rows_by_owner(self.owners, len(self)), strict=True
                ):
                    handle.write(
                        json.dumps({**asdict(entity), "rows": owner_rows}, ensure_ascii=False) + "\n"
                    )
            (folder / "meta.json").write_text(json.dumps(asdict(self.meta), indent=2), encoding="utf-8")
            for name, content in (extra or {}).items():
                (folder / f"{name}.json").write_text(json.dumps(content, indent=2), encoding="utf-8")
            write_format(folder, "linker")

        try:
            return write_directory(path, write, "linker index")
        except ModelArtifactError as error:
            raise LinkerIndexError(str(error)) from error

    @classmethod
    def load(cls, path: Path, model: str | None = None, version: str | None = None) -> "EntityIndex":
        """Read an index written by :meth:`save`.

        Args:
            path: The index folder.
            model: The encoder id in use; loading fails if the index was built with another.
            version: The graph's current :func:`vocabulary_version`; loading fails if it differs.

        Raises:
            LinkerIndexError: If the folder is missing, incomplete, corrupt or stale.

        """
        try:
            require_files(path, FILES, "linker index", "build it with `taggraph linker build`")
            check_format(path, "linker", "`taggraph linker build --full`")
        except ModelArtifactError as error:
            raise LinkerIndexError(str(error)) from error
        try:
            meta = IndexMeta(**json.loads((path / "meta.json").read_text(encoding="utf-8")))
            records = [
                json.loads(line)
                for line in (path / "entities.jsonl").read_text(encoding="utf-8").splitlines()
            ]
            index = faiss.read_index(str(path / "index.faiss"))
        except (ValueError, TypeError, RuntimeError, OSError) as error:
            raise LinkerIndexError(f"{path} is corrupt: {error}") from error
        if model is not None and meta.model != model:
            raise LinkerIndexError(
                f"the index at {path} was built with the encoder {meta.model}, not {model}; rebuild it with "
                "`taggraph linker build --full`"
            )
        if version is not None and meta.vocabulary_version != version:
            raise LinkerIndexError(
                f"the graph's entities changed since the index at {path} was built; update it with "
                "`taggraph linker build`"
            )
        try:
            entities = [
                Entity(row["id"], row["kind"], row["name"], tuple(row["aliases"]), row["description"])
                for row in records
            ]
            owners = np.zeros(int(index.ntotal), dtype=np.int64)
            for position, row in enumerate(records):
                owners[row["rows"]] = position
        except (KeyError, TypeError, IndexError, ValueError) as error:
            raise LinkerIndexError(f"{path}/entities.jsonl is corrupt: {error}") from error
        if len(entities) != meta.entities or int(index.ntotal) != meta.surfaces or index.d != meta.dimension:
            raise LinkerIndexError(
                f"{path} is corrupt: its files disagree on the number of entities or vectors"
            )
        return cls(entities, index, owners, meta)


def _surfaces(entities: Sequence[Entity], first_position: int) -> tuple[list[str], list[int]]:
    surfaces, owners = [], []
    for offset, entity in enumerate(entities):
        for surface in entity.surfaces:
            surfaces.append(surface)
            owners.append(first_position + offset)
    return surfaces, owners


def _rows_by_owner(owners: np.ndarray, count: int) -> list[list[int]]:
    rows: list[list[int]] = [[] for _ in range(count)]
    for row, owner in enumerate(owners.tolist()):
        rows[owner].append(row)
    return rows


def _on_gpu(index: faiss.Index) -> faiss.Index:
    """The index copied to all GPUs when faiss-gpu is installed and sees one; else itself."""
    if hasattr(faiss, "get_num_gpus") and faiss.get_num_gpus() > 0:
        return faiss.index_cpu_to_all_gpus(index)
    return index

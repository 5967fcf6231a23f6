"""``taggraph linker build``: the entity index of the graph, built once and then kept up to date.

An index whose entities are all still in the graph, unchanged, gets the new entities added; an
index that no longer matches (an entity changed or left the graph, another encoder, or a
damaged folder) is rebuilt. A full build fits the scorer and threshold on labelled queries
when given, else on a tuning set made from the graph's own entities.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from taggraph.core.entities import read_entities
from taggraph.errors import InputError, LinkerIndexError
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.ingest import fields
from taggraph.jobs.ingest.fields import RowError
from taggraph.jobs.ingest.readers import RawRow, jsonl_rows
from taggraph.jobs.ingest.records import SourceRow
from taggraph.jobs.ingest.rejects import RejectsFile
from taggraph.jobs.linking.kinds import check_kind
from taggraph.linker.entities import Entity
from taggraph.linker.index import Embedder, EntityIndex
from taggraph.linker.linker import Linker
from taggraph.linker.scoring import LinkScorer
from taggraph.linker.tuning import graph_tuning_set

GRAPH_TUNING = "graph entities (perturbed names; held-out names as NIL)"


@dataclass(frozen=True)
class LabelledQuery:
    """A surface form whose right answer is known (None: it names no entity of the graph)."""

    surface: str
    kind: str | None
    entity_id: str | None


@dataclass
class BuildReport:
    """What a build did.

    Attributes:
        path: The index folder.
        entities: Entities in the index.
        added: Entities added by this build.
        rebuilt: Why the index was built from scratch ("" when it was updated).
        index_type: ``exact`` or ``hnsw``.
        threshold: The link threshold.
        tuned_on: What the scorer was fit on.
        seconds: Wall time.

    """

    path: Path
    entities: int
    added: int
    rebuilt: str
    index_type: str
    threshold: float
    tuned_on: str
    seconds: float


def _stale_reason(linker: Linker, current: dict[str, Entity]) -> str:
    changed = [entity.id for entity in linker.index.entities if current.get(entity.id) != entity]
    if changed:
        return f"{len(changed)} indexed entities changed or left the graph (e.g. {changed[0]})"
    return ""


def build_linker(
    executor: GraphExecutor,
    embedder: Embedder,
    path: Path,
    *,
    full: bool = False,
    labelled: Sequence[LabelledQuery] | None = None,
    exact_max: int = 200_000,
) -> BuildReport:
    """Build or update the index at ``path`` from the graph's entities and save it.

    Args:
        executor: Executor on the graph.
        embedder: The encoder.
        path: The index folder.
        full: Rebuild from scratch even when the index could be updated.
        labelled: Queries to fit the scorer on (a full build); the graph tuning set when None.
        exact_max: Most surface forms of an exact index; HNSW above.

    Raises:
        InputError: If the graph has no linkable entity, or ``labelled`` names unknown entities.
        LinkerIndexError: If the index cannot be written.

    """
    started = time.perf_counter()
    entities = read_entities(executor)
    if not entities:
        raise InputError(
            "the graph has no linkable entity (active Tag, Brand or Category); ingest a catalog first"
        )
    current = {entity.id: entity for entity in entities}
    linker, reason = None, "--full was given" if full else ""
    if not full:
        try:
            linker = Linker.load(path, embedder)
            reason = _stale_reason(linker, current)
        except LinkerIndexError as error:
            reason = "no usable index: " + str(error).split(";")[0]
    if linker is not None and not reason:
        added = linker.add([entity for entity in entities if entity.id not in linker.index.positions])
        tuned_on = (
            "kept from the earlier build" if labelled is None else _tune(linker, entities, embedder, labelled)
        )
    else:
        index = EntityIndex.build(entities, embedder, exact_max=exact_max)
        linker = Linker(index, embedder, LinkScorer.untrained())
        added = len(entities)
        tuned_on = _tune(linker, entities, embedder, labelled)
    linker.save(path)
    return BuildReport(
        path,
        len(linker.index),
        added,
        reason,
        linker.index.meta.index_type,
        linker.scorer.threshold,
        tuned_on,
        time.perf_counter() - started,
    )


def _tune(
    linker: Linker, entities: list[Entity], embedder: Embedder, labelled: Sequence[LabelledQuery] | None
) -> str:
    if labelled is not None:
        unknown = {q.entity_id for q in labelled if q.entity_id is not None} - set(linker.index.positions)
        if unknown:
            raise InputError(
                f"the tuning queries name {len(unknown)} entities the graph lacks, e.g. {sorted(unknown)[0]}"
            )
        try:
            linker.tune(
                [q.surface for q in labelled], [q.kind for q in labelled], [q.entity_id for q in labelled]
            )
        except ValueError as error:
            raise InputError(f"cannot tune on the given queries: {error}") from error
        return f"{len(labelled)} labelled queries"
    tuning = graph_tuning_set(entities)
    if not tuning.indexed:
        return "nothing (too few entities): default weights"
    tuner = Linker(EntityIndex.build(tuning.indexed, embedder), embedder, LinkScorer.untrained(), k=linker.k)
    try:
        linker.scorer = tuner.tune(tuning.surfaces, tuning.kinds, tuning.gold)
    except ValueError:
        return "nothing (too few entities): default weights"
    return f"{len(tuning.surfaces)} queries from {GRAPH_TUNING}"


def parse_labelled_query(raw: RawRow) -> LabelledQuery:
    """One row of a tuning file: ``{"surface", "kind", "entity_id"}`` (``entity_id`` null for NIL).

    Raises:
        RowError: With the reason the row cannot be taken.

    """
    surface = fields.text(raw.get("surface"), "surface", 200, required=True)
    kind = fields.text(raw.get("kind"), "kind", 40)
    entity_id = raw.get("entity_id")
    if entity_id is not None:
        entity_id = fields.identifier(entity_id, "entity_id", 200)
    assert surface is not None
    if kind is not None:
        try:
            check_kind(kind)
        except InputError as error:
            raise RowError(str(error)) from error
    return LabelledQuery(surface, kind, entity_id)


def read_labelled_queries(path: Path, rejects_path: Path) -> list[LabelledQuery]:
    """The tuning file's queries; bad rows go to ``rejects_path``.

    Raises:
        InputError: If the file cannot be read or holds no usable query.

    """
    queries = []
    with RejectsFile(rejects_path) as rejects:
        for number, raw, error in jsonl_rows(path):
            reason = error
            if raw is not None:
                try:
                    queries.append(parse_labelled_query(raw))
                    continue
                except RowError as problem:
                    reason = str(problem)
            assert reason is not None
            rejects.add(SourceRow(path.name, number, reason=reason, raw=raw))
        rejected = rejects.count
    if not queries:
        raise InputError(f"{path} holds no usable tuning query ({rejected} rejected; see {rejects_path})")
    return queries

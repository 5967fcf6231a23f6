"""``taggraph link``: generated tags linked to graph entities, or made candidate entities.

Input: a JSON Lines file of generated tags, ``{"product_id", "kind", "value"}`` with optional
``"score"`` (0 to 1), ``"attribute"`` and ``"model"`` (what ``taggraph extract`` writes). Every
row is accepted or rejected with its reason before anything is written; then the products are
linked a page at a time, each page in one transaction:

- a value that links to a Tag becomes ``HAS_TAG {source: 'extractor', status: 'proposed'}``,
  to a Brand ``HAS_BRAND {...}``, with ``score`` (extraction score times link probability),
  ``link_score``, the ``surface`` form, the extractor ``model``, the linking ``run`` and the
  other nearest entities (``nearest_ids``, ``nearest_scores``: what a reviewer weighs);
- a value that links to nothing (NIL) becomes a ``(:Tag {status: 'candidate'})`` of its kind,
  with its surface forms and the nearest entities as suggestions, and a proposed edge to it.

A product's earlier extractor proposals are replaced; human decisions and catalog facts are
never changed. An interrupted run resumes after its last committed page.
"""

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taggraph.encoders.artifacts import sha256_of
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.checkpoint import Checkpoint
from taggraph.jobs.ingest import fields
from taggraph.jobs.ingest.fields import RowError
from taggraph.jobs.ingest.readers import RawRow, jsonl_rows
from taggraph.jobs.ingest.records import SourceRow, slug
from taggraph.jobs.ingest.rejects import RejectsFile
from taggraph.jobs.linking.kinds import CATEGORY, check_kind
from taggraph.jobs.runs import record_run
from taggraph.linker.linker import NIL, Linker, LinkResult
from taggraph.linker.text import normalise

SOURCE = "extractor"
UNKNOWN_PRODUCT = "unknown product id"
SUGGESTIONS = 3
_DETAIL = re.compile(r"'[^']*'|\d+")


@dataclass(frozen=True)
class GeneratedTag:
    """One generated tag of one product (``row``: its row number in the file)."""

    product_id: str
    kind: str
    value: str
    score: float = 1.0
    attribute: str = ""
    model: str = "unknown"
    row: int = 0


@dataclass
class LinkReport:
    """What a linking run did; ``accepted + sum(rejected.values())`` is every row of the file.

    Attributes:
        run_id: The run's ``ModelRun`` id.
        rows: Non-blank rows of the input file.
        accepted: Rows linked.
        rejected: Rows not taken, by reason (they are in the rejects file).
        methods: Accepted rows by how they were decided (``alias``, ``search``, ``nil``).
        proposals: Proposal edges written (or already there from this source).
        candidates: Candidate tags created or updated.
        resumed_after: Products an interrupted run had already written.

    """

    run_id: str
    rows: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)
    proposals: int = 0
    candidates: int = 0
    resumed_after: int = 0


def parse_generated_tag(raw: RawRow, max_chars: int) -> GeneratedTag:
    """One row of a generated tags file.

    Raises:
        RowError: With the reason the row cannot be taken.

    """
    product_id = fields.identifier(raw.get("product_id"), "product_id", 200)
    kind_text = fields.text(raw.get("kind"), "kind", 40, required=True)
    assert kind_text is not None
    try:
        kind = check_kind(kind_text)
    except InputError as error:
        raise RowError(str(error)) from error
    if kind == CATEGORY:
        raise RowError("category links are not written (categories come from the catalog)")
    value = fields.text(raw.get("value"), "value", max_chars, required=True)
    assert value is not None
    score = fields.number(raw.get("score"), "score")
    if score is not None and score > 1:
        raise RowError(f"score {score} is above 1")
    attribute = fields.text(raw.get("attribute"), "attribute", 200) or ""
    model = fields.text(raw.get("model"), "model", 200) or "unknown"
    return GeneratedTag(product_id, kind, value, 1.0 if score is None else score, attribute, model)


def read_generated_tags(
    path: Path, linker: Linker, rejects: RejectsFile, report: LinkReport
) -> list[GeneratedTag]:
    """The file's acceptable rows; the others go to ``rejects`` and are counted in ``report``."""
    taken: list[GeneratedTag] = []
    seen: set[tuple[str, str, str]] = set()
    for number, raw, error in jsonl_rows(path):
        report.rows += 1
        reason = error
        if raw is not None:
            try:
                tag = replace(parse_generated_tag(raw, linker.max_chars), row=number)
                reason = linker.invalid_reason(tag.value)
                key = (tag.product_id, tag.kind, normalise(tag.value))
                if not reason and key in seen:
                    reason = "duplicate generated tag (same product, kind and value as an earlier row)"
                if not reason:
                    seen.add(key)
                    taken.append(tag)
                    continue
            except RowError as problem:
                reason = str(problem)
        assert reason
        rejects.add(SourceRow(path.name, number, reason=reason, raw=raw))
        report.rejected[_reason_key(reason)] += 1
    return taken


def _reason_key(reason: str) -> str:
    """Reasons counted together: quoted values, numbers and JSON error positions left out."""
    return _DETAIL.sub("…", reason.split(" at column")[0])


def _known_products(executor: GraphExecutor, ids: list[str], page: int = 5000) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(ids), page):
        rows = executor.read("read/products_known", ids=ids[start : start + page])
        known.update(row["id"] for row in rows)
    return known


def _file_key(path: Path, linker: Linker) -> str:
    """Identify a run by its input's bytes and the index's vocabulary, so only the same run resumes."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        content = sha256_of(path)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error
    return hashlib.sha256(f"{content}:{linker.index.meta.vocabulary_version}".encode()).hexdigest()[:16]


def run_linking(
    executor: GraphExecutor,
    linker: Linker,
    path: Path,
    rejects_path: Path,
    state_dir: Path,
    *,
    page_size: int = 1000,
    on_page: Callable[[int], None] | None = None,
) -> LinkReport:
    """Link every acceptable generated tag of ``path`` and write the outcome to the graph.

    Args:
        executor: Executor on the graph.
        linker: A linker whose index matches the graph.
        path: The generated tags file.
        rejects_path: Where rejected rows go.
        state_dir: Folder of the checkpoint that lets an interrupted run resume.
        page_size: Products per transaction.
        on_page: Called with the number of products of each committed page.

    Raises:
        InputError: If a file cannot be read or written.

    """
    checkpoint = Checkpoint(state_dir / f"linking-{_file_key(path, linker)}.json")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    state = checkpoint.load(None) or {"done": 0, "run_id": f"linking-{stamp}"}
    report = LinkReport(state["run_id"], resumed_after=state["done"])
    with RejectsFile(rejects_path) as rejects:
        tags = read_generated_tags(path, linker, rejects, report)
        known = _known_products(executor, sorted({tag.product_id for tag in tags}))
        by_product: dict[str, list[GeneratedTag]] = defaultdict(list)
        for tag in tags:
            if tag.product_id in known:
                by_product[tag.product_id].append(tag)
            else:
                rejects.add(SourceRow(path.name, tag.row, reason=UNKNOWN_PRODUCT, raw=vars(tag)))
                report.rejected[UNKNOWN_PRODUCT] += 1
    report.accepted = sum(len(group) for group in by_product.values())
    record_run(
        executor, report.run_id, "linking", status="running", file=str(path), index=linker.index.meta.model
    )
    products = list(by_product)
    for start in range(0, len(products), page_size):
        if start < state["done"]:
            continue
        page = [tag for product in products[start : start + page_size] for tag in by_product[product]]
        results = linker.link([tag.value for tag in page], [tag.kind for tag in page])
        report.methods.update(result.method for result in results)
        candidates, rows = _page_rows(page, results)
        outcome = executor.write_steps(
            [
                ("write/candidate_tags", {"rows": candidates}),
                ("write/extractor_proposals", {"rows": rows, "source": SOURCE, "run": report.run_id}),
            ]
        )
        report.candidates += int(outcome[0][0]["candidates"]) if outcome[0] else 0
        written = outcome[1][0] if outcome[1] else {}
        report.proposals += int(written.get("tags") or 0) + int(written.get("brands") or 0)
        state["done"] = start + page_size
        checkpoint.save(state)
        if on_page is not None:
            on_page(len(products[start : start + page_size]))
    record_run(
        executor,
        report.run_id,
        "linking",
        status="finished",
        accepted=report.accepted,
        rejected=dict(report.rejected),
        methods=dict(report.methods),
        proposals=report.proposals,
        candidates=report.candidates,
    )
    checkpoint.clear()
    return report


def _page_rows(
    page: list[GeneratedTag], results: list[LinkResult]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    candidates: dict[str, dict[str, Any]] = {}
    proposals: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: {"tags": [], "brands": []})
    for tag, result in zip(page, results, strict=True):
        if result.method == NIL or result.entity_id is None:
            entity_id = f"tag:{tag.kind}:{slug(tag.value)}"
            suggestions = result.candidates[:SUGGESTIONS]
            candidates.setdefault(
                entity_id,
                {
                    "id": entity_id,
                    "name": tag.value,
                    "kind": tag.kind,
                    "suggested_ids": [found for found, _ in suggestions],
                    "suggested_scores": [round(score, 4) for _, score in suggestions],
                },
            )
            link_score, nearest = 0.0, []
        else:
            entity_id, link_score = result.entity_id, result.score
            nearest = [(found, score) for found, score in result.candidates if found != entity_id][
                :SUGGESTIONS
            ]
        target = "brands" if entity_id.startswith("brand:") else "tags"
        proposals[tag.product_id][target].append(
            {
                "entity_id": entity_id,
                "surface": tag.value,
                "model": tag.model,
                "score": round(tag.score * (link_score if link_score else 1.0), 6),
                "link_score": round(link_score, 6),
                "nearest_ids": [found for found, _ in nearest],
                "nearest_scores": [round(score, 4) for _, score in nearest],
            }
        )
    rows = [{"product_id": product, **edges} for product, edges in proposals.items()]
    return list(candidates.values()), rows

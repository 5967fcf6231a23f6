"""Batch tagging: score products from the graph and write the tagger's proposals back.

Proposals are ``HAS_TAG {source: 'tagger', status: 'proposed', score, model}`` edges to Tag
nodes. The next page is read and the last one written while the model scores the current one.
Each page of products is written in one transaction that first removes the tagger's
earlier proposals for those products, so a re-run replaces them; approved, rejected and
catalog edges are never touched. Labels of kinds that are not Tag nodes (category levels,
brand) are scored but not written.
"""

import functools
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taggraph.core.labelled_products import LabelledProduct, read_labelled_products
from taggraph.core.vocabulary import TaggerJob, tag_ids
from taggraph.encoders.tagger.labels import label_kind
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.checkpoint import Checkpoint
from taggraph.jobs.overlap import OrderedWriter, read_ahead
from taggraph.jobs.runs import record_run

SOURCE = "tagger"
EMPTY_TEXT = "empty text"
TEXT_TOO_LONG = "text longer than the limit"
UNKNOWN_ID = "unknown product id (or not of the model's source)"
DUPLICATE_ID = "duplicate product id"
NOT_UTF8 = "id line is not UTF-8"


@dataclass
class TaggingReport:
    """What a tagging run did; ``scored + sum(skipped.values())`` is every product it read.

    Attributes:
        run_id: The run's ``ModelRun`` id.
        resumed_after: Product id an interrupted run had reached ("" for a fresh run).
        scored: Products scored.
        proposed: Proposal edges written.
        not_written_kinds: Kinds the model predicts that are not Tag nodes.
        skipped: Products or id lines not taken, by reason.
    """

    run_id: str
    resumed_after: str = ""
    scored: int = 0
    proposed: int = 0
    not_written_kinds: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def read_id_file(path: Path) -> tuple[list[str], Counter[str]]:
    """Product ids, one per line, and the lines that could not be taken.

    Blank lines are ignored; a repeated id and a line that is not UTF-8 are counted.

    Raises:
        InputError: If the file cannot be read.
    """
    try:
        lines = path.read_bytes().splitlines()
    except OSError as error:
        raise InputError(f"cannot read the id file {path}: {error.strerror}") from error
    ids: dict[str, None] = {}
    skipped: Counter[str] = Counter()
    for line in lines:
        try:
            product_id = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            skipped[NOT_UTF8] += 1
            continue
        if not product_id:
            continue
        if product_id in ids:
            skipped[DUPLICATE_ID] += 1
        ids[product_id] = None
    return list(ids), skipped


def run_key(tagger: Tagger, since: Any, ids: list[str] | None) -> str:
    """Identify a tagging run by model and scope, so only the same run resumes."""
    scope = json.dumps([tagger.meta.get("weights_sha256"), str(since), ids])
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def run_tagging(
    executor: GraphExecutor,
    tagger: Tagger,
    state_dir: Path,
    *,
    since: Any = None,
    ids: list[str] | None = None,
    page_size: int = 1000,
    max_text_chars: int = 20_000,
    on_page: Callable[[int], None] | None = None,
) -> TaggingReport:
    """Score the model's source's products and write the proposals, page by page.

    Args:
        executor: Executor on the graph.
        tagger: A loaded tagger whose vocabulary matches the graph (:func:`check_vocabulary`).
        state_dir: Folder of the checkpoint that lets an interrupted run resume.
        since: Only products whose text changed after this datetime.
        ids: Only these product ids.
        page_size: Products per read and per write transaction.
        max_text_chars: Longer texts are skipped, not truncated silently.
        on_page: Called with the number of products of each finished page.

    Returns:
        The run's report.

    Raises:
        InputError: If ``ids`` holds no product of the model's source.
    """
    job = TaggerJob.of_model(tagger.meta)
    checkpoint = Checkpoint(state_dir / f"tagging-{run_key(tagger, since, ids)}.json")
    state = checkpoint.load(None) or {"after": "", "run_id": _new_run_id(tagger)}
    report = TaggingReport(run_id=state["run_id"], resumed_after=state["after"])
    if ids is not None:
        present = {row["id"] for row in executor.read("read/products_present", ids=ids, source=job.source)}
        if not present:
            raise InputError(f"none of the {len(set(ids)):,} ids is a product of source {job.source!r}")
        report.skipped[UNKNOWN_ID] += len(set(ids) - present)
    labels_to_tags = tag_ids(executor, tagger)
    report.not_written_kinds = sorted(
        {label_kind(label) for label in tagger.space.labels if label not in labels_to_tags}
    )
    model = str(tagger.meta.get("run_id", "unknown"))
    scope = {"since": str(since) if since is not None else None, "ids": len(ids) if ids is not None else None}
    record_run(
        executor, report.run_id, "tagging", status="running", model=model, source=job.source, scope=scope
    )
    pages = read_labelled_products(
        executor,
        job.source,
        job.with_description,
        after=state["after"],
        since=since,
        ids=ids,
        page_size=page_size,
        labels=False,
    )

    def committed(after: str, count: int) -> Callable[[list[dict[str, Any]]], None]:
        def done(written: list[dict[str, Any]]) -> None:
            report.proposed += int(written[0]["proposed"] or 0) if written else 0
            state["after"] = after
            checkpoint.save(state)
            if on_page is not None:
                on_page(count)

        return done

    with OrderedWriter[list[dict[str, Any]]]() as writer:
        for page in read_ahead(pages):
            rows = _proposals(tagger, page, labels_to_tags, max_text_chars, report)
            write = functools.partial(
                executor.write, "write/tagger_proposals", rows=rows, source=SOURCE, model=model
            )
            writer.submit(write, committed(page[-1].id, len(page)))
    record_run(
        executor,
        report.run_id,
        "tagging",
        status="finished",
        scored=report.scored,
        proposed=report.proposed,
        skipped=dict(report.skipped),
    )
    checkpoint.clear()
    return report


def _proposals(
    tagger: Tagger,
    page: list[LabelledProduct],
    labels_to_tags: dict[str, str],
    max_text_chars: int,
    report: TaggingReport,
) -> list[dict[str, Any]]:
    taken = []
    for product in page:
        if not product.text.strip():
            report.skipped[EMPTY_TEXT] += 1
        elif len(product.text) > max_text_chars:
            report.skipped[TEXT_TOO_LONG] += 1
        else:
            taken.append(product)
    if not taken:
        return []
    predictions = tagger.predict([product.text for product in taken])
    report.scored += len(taken)
    return [
        {
            "product_id": product.id,
            "tags": [
                {"tag_id": labels_to_tags[label], "score": round(score, 6)}
                for label, score in tags
                if label in labels_to_tags
            ],
        }
        for product, tags in zip(taken, predictions, strict=True)
    ]


def _new_run_id(tagger: Tagger) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"tagging-{tagger.meta.get('source', 'any')}-{stamp}"

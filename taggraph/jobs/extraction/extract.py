"""Extraction from the graph: attribute values of a source's products, written as generated tags.

The output is a JSON Lines file, one generated tag a line, for ``taggraph link``:
``{"product_id", "attribute", "kind", "value", "score", "model"}``. It is written beside its
final name and moved into place, so a failed run leaves no partial file.
"""

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from taggraph.core.labelled_products import read_labelled_products
from taggraph.encoders.extractor.attributes import Extraction, value_key
from taggraph.encoders.extractor.extractor import SpanExtractor
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.extraction.kinds import kinds_of
from taggraph.jobs.overlap import read_ahead
from taggraph.jobs.runs import record_run
from taggraph.jobs.tagging.proposals import EMPTY_TEXT, TEXT_TOO_LONG, UNKNOWN_ID


@dataclass
class ExtractionReport:
    """What an extraction run did; ``products + sum(skipped.values())`` is every product read.

    Attributes:
        run_id: The run's ``ModelRun`` id.
        out: The generated tags file.
        attributes: Attributes asked for, with the kind of their values.
        products: Products whose text was read by the model.
        values: Generated tags written.
        absent: Asked attributes answered ``n/a``.
        repeated: Values found again for another attribute of the same kind (written once).
        skipped: Products not read, by reason.

    """

    run_id: str
    out: Path
    attributes: dict[str, str]
    products: int = 0
    values: int = 0
    absent: int = 0
    repeated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def run_extraction(
    executor: GraphExecutor,
    extractor: SpanExtractor,
    source: str,
    out: Path,
    attribute_kinds: dict[str, str],
    *,
    with_description: bool = False,
    ids: list[str] | None = None,
    page_size: int = 1000,
    max_text_chars: int = 20_000,
    on_page: Callable[[int], None] | None = None,
) -> ExtractionReport:
    """Extract the mapped attributes of a source's products into ``out``.

    Args:
        executor: Executor on the graph.
        extractor: The span extractor.
        source: Product source, such as ``myntra``.
        out: The generated tags file to write.
        attribute_kinds: Attribute name (case-folded) -> tag kind; other attributes are not asked.
        with_description: Read the description too (the model sees its first tokens only).
        ids: Only these product ids.
        page_size: Products per read.
        max_text_chars: Longer texts are skipped and counted.
        on_page: Called with the number of products of each page.

    Raises:
        InputError: If the model extracts none of the mapped attributes, or ``out`` cannot be written.

    """
    asked = kinds_of(extractor.attributes, attribute_kinds)
    if not asked:
        raise InputError(
            f"the model extracts none of the attributes mapped to tag kinds; its attributes are "
            f"{', '.join(extractor.attributes[:10])}...: map some with --attribute-kind NAME=KIND"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    report = ExtractionReport(f"extraction-{source}-{stamp}", out, asked)
    model = str(extractor.meta.get("run_id", "unknown"))
    record_run(executor, report.run_id, "extraction", status="running", model=model, source=source)
    partial = out.with_name(f".{out.name}.partial")
    seen: set[str] = set()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8") as handle:
            pages = read_labelled_products(executor, source, with_description, ids=ids, page_size=page_size)
            for page in read_ahead(pages):
                taken = []
                for product in page:
                    seen.add(product.id)
                    if not product.text.strip():
                        report.skipped[EMPTY_TEXT] += 1
                    elif len(product.text) > max_text_chars:
                        report.skipped[TEXT_TOO_LONG] += 1
                    else:
                        taken.append(product)
                found = extractor.extract(
                    [p.text for p in taken], [p.category for p in taken], [list(asked)] * len(taken)
                )
                for product, values in zip(taken, found, strict=True):
                    for row in _generated_tags(product.id, values, asked, model, report):
                        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                report.products += len(taken)
                if on_page is not None:
                    on_page(len(page))
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write the generated tags to {out}: {error.strerror or error}") from error
    if ids is not None:
        report.skipped[UNKNOWN_ID] += len(set(ids) - seen)
    record_run(
        executor,
        report.run_id,
        "extraction",
        status="finished",
        products=report.products,
        values=report.values,
        absent=report.absent,
        skipped=dict(report.skipped),
        out=str(out),
    )
    return report


def _generated_tags(
    product_id: str,
    values: dict[str, Extraction],
    asked: dict[str, str],
    model: str,
    report: ExtractionReport,
) -> list[dict[str, object]]:
    """One product's rows: a value found for two attributes of one kind is written once."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for attribute, extraction in sorted(values.items(), key=lambda item: -item[1].score):
        if extraction.value is None:
            report.absent += 1
            continue
        key = (asked[attribute], value_key(extraction.value))
        if key in rows:
            report.repeated += 1
            continue
        rows[key] = {
            "product_id": product_id,
            "attribute": attribute,
            "kind": asked[attribute],
            "value": extraction.value,
            "score": round(extraction.score, 6),
            "model": model,
        }
    report.values += len(rows)
    return list(rows.values())

"""Source names the CLI accepts, and how each is built."""

from pathlib import Path

from taggraph.core.identity import source_name as check_source_name
from taggraph.errors import InputError
from taggraph.jobs.ingest.records import slug
from taggraph.jobs.ingest.sources.base import Source, SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.instacart import InstacartSource
from taggraph.jobs.ingest.sources.mapped import ColumnMapping, MappedSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource

SOURCES = ("myntra", "flipkart", "instacart", "seq", "csv", "jsonl")


def build_source(
    name: str,
    context: SourceContext,
    path: Path,
    mapping: list[str] | None = None,
    source_name: str | None = None,
    category_separator: str = ">",
) -> Source:
    """Build the source called ``name``.

    Args:
        name: One of :data:`SOURCES`.
        context: Limits and keys.
        path: The input, whose stem names a generic source when ``source_name`` is not given.
        mapping: ``field=column`` items, for ``csv`` and ``jsonl`` only.
        source_name: Id prefix for ``csv`` and ``jsonl``.
        category_separator: Level separator of a mapped category column.

    Returns:
        The source.

    Raises:
        InputError: If the name is unknown or the options do not fit the source.

    """
    if name not in SOURCES:
        raise InputError(f"unknown source {name!r}; choose one of {', '.join(SOURCES)}")
    if name in ("csv", "jsonl"):
        if not mapping:
            raise InputError(f"the {name} source needs a column mapping: --map id=<column> ...")
        return MappedSource(
            context,
            name,
            ColumnMapping.parse(mapping),
            check_source_name(source_name) if source_name is not None else slug(path.stem).replace("-", "_"),
            category_separator,
        )
    if mapping:
        raise InputError(f"--map applies to the csv and jsonl sources, not to {name}")
    fixed: dict[str, type[MyntraSource | FlipkartSource | InstacartSource | SequenceSource]] = {
        "myntra": MyntraSource,
        "flipkart": FlipkartSource,
        "instacart": InstacartSource,
        "seq": SequenceSource,
    }
    return fixed[name](context)

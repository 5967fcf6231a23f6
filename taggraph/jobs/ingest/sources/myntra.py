"""Myntra fashion styles (``styles.csv``): products with gender, type, colour, usage, season."""

from collections.abc import Iterator
from pathlib import Path

from taggraph.jobs.ingest.fields import RowError, identifier, integer, text
from taggraph.jobs.ingest.readers import RawRow, csv_rows
from taggraph.jobs.ingest.records import CategoryRef, ProductRecord, SourceRow, TagRef
from taggraph.jobs.ingest.sources.base import SourceContext, require_columns

COLUMNS = (
    "id",
    "gender",
    "masterCategory",
    "subCategory",
    "articleType",
    "baseColour",
    "season",
    "year",
    "usage",
    "productDisplayName",
)
TAG_COLUMNS = {
    "gender": "gender",
    "articleType": "article_type",
    "baseColour": "colour",
    "usage": "usage",
    "season": "season",
}


class MyntraSource:
    """Reads Myntra's ``styles.csv``.

    A product name with stray unquoted commas spills into extra fields after the last column;
    since the name is the last column, the spill is joined back into it.

    Args:
        context: Limits and keys.

    """

    name = "myntra"

    def __init__(self, context: SourceContext) -> None:
        self._context = context

    def __repr__(self) -> str:
        return "MyntraSource()"

    def check(self, path: Path) -> None:
        """Fail early, before any write, when ``path`` is not a readable file with the columns."""
        require_columns(path, COLUMNS)

    def rows(self, path: Path) -> Iterator[SourceRow]:
        """Yield one row per product line of ``path``."""
        self.check(path)
        for number, raw, error in csv_rows(path):
            if raw is None:
                yield SourceRow(path.name, number, reason=error)
                continue
            try:
                record = self._product(raw)
            except RowError as row_error:
                yield SourceRow(path.name, number, reason=str(row_error), raw=raw)
                continue
            yield SourceRow(path.name, number, records=(record,), raw=raw)

    def _product(self, raw: RawRow) -> ProductRecord:
        limits = self._context
        name_value = raw["productDisplayName"]
        extra = raw.get("__extra__")
        if isinstance(extra, list) and isinstance(name_value, str):
            name_value = ",".join([name_value, *extra])
        native_id = identifier(raw["id"], "id", limits.max_id_chars)
        if not native_id.isdigit():
            raise RowError(f"id {native_id[:40]!r} is not a number")
        name = text(name_value, "productDisplayName", limits.max_name_chars, required=True)
        tags = []
        for column, kind in TAG_COLUMNS.items():
            value = text(raw[column], column, limits.max_name_chars)
            if value is not None:
                tags.append(TagRef(kind, value))
        path = tuple(
            value
            for value in (
                text(raw["masterCategory"], "masterCategory", limits.max_name_chars),
                text(raw["subCategory"], "subCategory", limits.max_name_chars),
            )
            if value is not None
        )
        return ProductRecord(
            source=self.name,
            native_id=native_id,
            name=name,
            year=integer(raw["year"], "year", 1900, 2100),
            category=CategoryRef(self.name, path) if path else None,
            tags=tuple(tags),
        )

"""Myntra fashion styles (``styles.csv``): products with gender, type, colour, usage, season."""

from taggraph.jobs.ingest.fields import RowError, identifier, integer, text
from taggraph.jobs.ingest.readers import RawRow
from taggraph.jobs.ingest.records import CategoryRef, ProductRecord, TagRef
from taggraph.jobs.ingest.sources.base import CsvProductSource

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


class MyntraSource(CsvProductSource):
    """Reads Myntra's ``styles.csv``.

    A product name with stray unquoted commas spills into extra fields after the last column;
    since the name is the last column, the spill is joined back into it.

    Args:
        context: Limits and keys.
    """

    name = "myntra"
    columns = COLUMNS

    def product(self, raw: RawRow) -> ProductRecord:
        """Build the product of one row, or raise ``RowError`` with the reason."""
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

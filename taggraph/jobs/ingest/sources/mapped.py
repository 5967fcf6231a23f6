"""Any CSV or JSON Lines catalog, read through a column mapping given on the command line."""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from taggraph.errors import InputError
from taggraph.jobs.ingest.fields import RowError, identifier, integer, number, text
from taggraph.jobs.ingest.readers import RawRow, csv_header, csv_rows, jsonl_rows, open_text
from taggraph.jobs.ingest.records import BrandRef, CategoryRef, ProductRecord, SourceRow, TagRef
from taggraph.jobs.ingest.sources.base import SourceContext, build_rows

FIELDS = ("id", "name", "description", "price", "brand", "category", "year")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class ColumnMapping:
    """Which input column feeds which product field, and which columns are tags of which kind.

    Attributes:
        fields: Product field -> column (``id`` is required).
        tags: Tag kind -> column.

    """

    fields: dict[str, str]
    tags: dict[str, str]

    @classmethod
    def parse(cls, items: Sequence[str]) -> "ColumnMapping":
        """Parse ``field=column`` items; ``tag:<kind>=column`` maps a tag kind.

        Args:
            items: Such as ``["id=sku", "name=title", "tag:colour=color"]``.

        Returns:
            The mapping.

        Raises:
            InputError: If an item is malformed, a field unknown, a kind invalid, or ``id`` absent.

        """
        fields: dict[str, str] = {}
        tags: dict[str, str] = {}
        for item in items:
            target, separator, column = item.partition("=")
            target, column = target.strip(), column.strip()
            if not separator or not target or not column:
                raise InputError(f"mapping {item!r} is not of the form field=column")
            if target.startswith("tag:"):
                kind = target.removeprefix("tag:")
                if not _KIND.match(kind):
                    raise InputError(f"tag kind {kind!r} must be lower-case letters, digits, _")
                tags[kind] = column
            elif target in FIELDS:
                fields[target] = column
            else:
                choices = ", ".join(FIELDS)
                raise InputError(f"unknown field {target!r} in mapping; use {choices} or tag:<kind>")
        if "id" not in fields:
            raise InputError("the mapping needs id=<column>")
        return cls(fields, tags)

    def columns(self) -> list[str]:
        """Every input column the mapping reads."""
        return [*self.fields.values(), *self.tags.values()]


class MappedSource:
    """Reads a generic CSV (with header) or JSON Lines catalog through a :class:`ColumnMapping`.

    Args:
        context: Limits and keys.
        file_format: ``csv`` or ``jsonl``.
        mapping: The column mapping.
        source_name: Prefix of product ids (``<source_name>:<id>``).
        category_separator: Separator of levels in the category column.

    """

    def __init__(
        self,
        context: SourceContext,
        file_format: str,
        mapping: ColumnMapping,
        source_name: str,
        category_separator: str = ">",
    ) -> None:
        if file_format not in ("csv", "jsonl"):
            raise InputError(f"unknown format {file_format!r}; use csv or jsonl")
        if not _SOURCE.match(source_name):
            raise InputError(f"source name {source_name!r} must be lower-case letters, digits, _ or -")
        if not category_separator:
            raise InputError("the category separator cannot be empty")
        self._context = context
        self.name = source_name
        self._format = file_format
        self._mapping = mapping
        self._separator = category_separator

    def __repr__(self) -> str:
        return f"MappedSource(format={self._format!r}, source={self.name!r})"

    def check(self, path: Path) -> None:
        """Fail early, before any write, when the file is unreadable or lacks a mapped column."""
        if self._format == "jsonl":
            open_text(path).close()
            return
        header = csv_header(path)
        missing = [column for column in self._mapping.columns() if column not in header]
        if missing:
            raise InputError(
                f"{path.name} lacks the mapped column(s) {', '.join(missing)}; it has {', '.join(header)}"
            )

    def rows(self, path: Path) -> Iterator[SourceRow]:
        """Yield one row per record of ``path``."""
        self.check(path)
        reader = csv_rows(path) if self._format == "csv" else jsonl_rows(path)
        yield from build_rows(path.name, reader, lambda raw: (self._product(raw),))

    def _value(self, raw: RawRow, column: str | None) -> object:
        if column is None:
            return None
        if self._format == "jsonl" and column not in raw:
            return None
        value = raw[column]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value) if not isinstance(value, float) else value
        return value

    def _product(self, raw: RawRow) -> ProductRecord:
        limits, fields = self._context, self._mapping.fields
        native_id = identifier(self._value(raw, fields["id"]), "id", limits.max_id_chars)
        name = text(self._value(raw, fields.get("name")), "name", limits.max_name_chars)
        category = text(self._value(raw, fields.get("category")), "category", limits.max_name_chars)
        brand = text(self._value(raw, fields.get("brand")), "brand", limits.max_name_chars)
        tags = []
        for kind, column in self._mapping.tags.items():
            value = self._value(raw, column)
            values = value if isinstance(value, list) else [value]
            for item in values:
                cleaned = text(item, f"tag:{kind}", limits.max_name_chars)
                if cleaned is not None:
                    tags.append(TagRef(kind, cleaned))
        path = tuple(part.strip() for part in category.split(self._separator)) if category else ()
        if any(not part for part in path):
            raise RowError("unparseable category: empty level")
        return ProductRecord(
            source=self.name,
            native_id=native_id,
            name=name,
            description=text(
                self._value(raw, fields.get("description")), "description", limits.max_description_chars
            ),
            price=number(self._value(raw, fields.get("price")), "price"),
            year=integer(self._value(raw, fields.get("year")), "year", 1900, 2100),
            category=CategoryRef(self.name, path) if path else None,
            brand=BrandRef(brand) if brand else None,
            tags=tuple(dict.fromkeys(tags)),
        )

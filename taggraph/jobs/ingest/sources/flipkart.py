"""Flipkart products: category tree, brand, price, description and specification tags."""

import json
import re

from taggraph.jobs.ingest.fields import RowError, identifier, number, text
from taggraph.jobs.ingest.readers import RawRow
from taggraph.jobs.ingest.records import BrandRef, CategoryRef, ProductRecord, TagRef
from taggraph.jobs.ingest.sources.base import CsvProductSource

COLUMNS = (
    "uniq_id",
    "product_name",
    "product_category_tree",
    "retail_price",
    "discounted_price",
    "brand",
    "description",
    "product_specifications",
)
SPECIFICATION_KINDS = {
    "color": "colour",
    "colour": "colour",
    "fabric": "material",
    "material": "material",
    "outer material": "material",
    "pattern": "pattern",
    "ideal for": "gender",
    "occasion": "usage",
}
_SPECIFICATION = re.compile(r'"key"=>"(?P<key>[^"]*)",\s*"value"=>"(?P<value>[^"]*)"')
_SEPARATOR = ">>"
_MAX_DEPTH = 12


def parse_category_tree(value: str, product_name: str) -> tuple[str, ...]:
    """Parse ``["A >> B >> C"]`` into its path, dropping a leaf that is the product name.

    The leaf is dropped when it equals the product name (ignoring case and spacing), when it
    is a name of three or more words that the product name starts with, or when it was cut
    short with ``...``.

    Args:
        value: The ``product_category_tree`` field.
        product_name: The product's name.

    Returns:
        The category path, root first; may be empty.

    Raises:
        RowError: If the field is not a one-element JSON list of a ``>>``-separated path.

    """
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise RowError(f"unparseable category tree: {error.msg}") from error
    if not (isinstance(parsed, list) and len(parsed) == 1 and isinstance(parsed[0], str)):
        raise RowError("unparseable category tree: expected a one-element list of text")
    parts = [" ".join(part.split()) for part in parsed[0].split(_SEPARATOR)]
    if any(not part for part in parts):
        raise RowError("unparseable category tree: empty level")
    if len(parts) > _MAX_DEPTH:
        raise RowError(f"category tree deeper than {_MAX_DEPTH} levels")
    leaf = parts[-1]
    stem = leaf.removesuffix("...").rstrip().lower()
    name = " ".join(product_name.split()).lower()
    cut_short = leaf.endswith("...")
    names_product = stem == name or (len(stem.split()) >= 3 and name.startswith(stem))
    if cut_short or names_product:
        parts = parts[:-1]
    return tuple(parts)


def parse_specifications(value: str, max_chars: int) -> list[TagRef]:
    """Tags from the specification pairs whose key names a tag kind.

    Args:
        value: The ``product_specifications`` field (Ruby hash notation).
        max_chars: Longest accepted value.

    Returns:
        Tags in order of appearance, without repeats.

    """
    tags: list[TagRef] = []
    for match in _SPECIFICATION.finditer(value or ""):
        kind = SPECIFICATION_KINDS.get(match["key"].strip().lower())
        if kind is None:
            continue
        cleaned = text(match["value"], match["key"], max_chars)
        if cleaned is None:
            continue
        for part in cleaned.split(","):
            tag = TagRef(kind, part.strip())
            if part.strip() and tag not in tags:
                tags.append(tag)
    return tags


class FlipkartSource(CsvProductSource):
    """Reads the Flipkart e-commerce sample CSV.

    Args:
        context: Limits and keys.
    """

    name = "flipkart"
    columns = COLUMNS

    def product(self, raw: RawRow) -> ProductRecord:
        """Build the product of one row, or raise ``RowError`` with the reason."""
        limits = self._context
        native_id = identifier(raw["uniq_id"], "uniq_id", limits.max_id_chars)
        name = text(raw["product_name"], "product_name", limits.max_name_chars, required=True)
        assert name is not None
        tree = text(raw["product_category_tree"], "product_category_tree", limits.max_description_chars)
        path = parse_category_tree(tree, name) if tree else ()
        brand = text(raw["brand"], "brand", limits.max_name_chars)
        price = number(raw["discounted_price"], "discounted_price")
        if price is None:
            price = number(raw["retail_price"], "retail_price")
        specifications = text(
            raw["product_specifications"], "product_specifications", limits.max_description_chars
        )
        return ProductRecord(
            source=self.name,
            native_id=native_id,
            name=name,
            description=text(raw["description"], "description", limits.max_description_chars),
            price=price,
            category=CategoryRef(self.name, path) if path else None,
            brand=BrandRef(brand) if brand else None,
            tags=tuple(parse_specifications(specifications or "", limits.max_name_chars)),
        )

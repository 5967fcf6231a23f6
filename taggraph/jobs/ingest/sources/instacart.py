"""Instacart: products in an aisle/department tree, and orders as user-product interactions."""

from collections.abc import Iterator
from pathlib import Path

from taggraph.errors import InputError
from taggraph.jobs.ingest.fields import RowError, identifier, integer, text
from taggraph.jobs.ingest.readers import RawRow, csv_rows
from taggraph.jobs.ingest.records import (
    CategoryRef,
    InteractionRecord,
    ProductRecord,
    Record,
    SourceRow,
)
from taggraph.jobs.ingest.sources.base import SourceContext, build_rows, require_columns

FILES = {
    "departments.csv": ("department_id", "department"),
    "aisles.csv": ("aisle_id", "aisle"),
    "products.csv": ("product_id", "product_name", "aisle_id", "department_id"),
    "orders.csv": ("order_id", "user_id", "order_number"),
    "order_products__prior.csv": ("order_id", "product_id", "reordered"),
}


class InstacartSource:
    """Reads an Instacart folder: departments, aisles, products, orders and basket lines.

    Each file's rows are counted on their own; lookup rows (departments, aisles, orders) are
    accepted when valid and feed the rows after them. A basket line becomes
    ``(:User)-[:INTERACTED {kind: 'order', ts: order_number}]->(:Product)``.

    Args:
        context: Limits and keys.

    """

    name = "instacart"

    def __init__(self, context: SourceContext) -> None:
        self._context = context

    def __repr__(self) -> str:
        return "InstacartSource()"

    def check(self, path: Path) -> None:
        """Fail early, before any write, unless ``path`` is a folder with the five files."""
        if not path.is_dir():
            raise InputError(f"the instacart source reads a folder with {', '.join(FILES)}: {path}")
        for file_name, columns in FILES.items():
            if not (path / file_name).is_file():
                raise InputError(f"{path} has no {file_name}")
            require_columns(path / file_name, columns)

    def rows(self, path: Path) -> Iterator[SourceRow]:
        """Yield every row of the five files of the folder ``path``, file by file."""
        self.check(path)
        departments: dict[str, str] = {}
        aisles: dict[str, str] = {}
        products: set[str] = set()
        orders: dict[str, tuple[str, int]] = {}
        yield from self._lookup(path / "departments.csv", "department_id", "department", departments)
        yield from self._lookup(path / "aisles.csv", "aisle_id", "aisle", aisles)
        yield from self._products(path / "products.csv", departments, aisles, products)
        yield from self._orders(path / "orders.csv", orders)
        yield from self._basket_lines(path / "order_products__prior.csv", orders, products)

    def _lookup(
        self, file: Path, id_column: str, name_column: str, table: dict[str, str]
    ) -> Iterator[SourceRow]:
        limits = self._context

        def build(raw: RawRow) -> tuple[Record, ...]:
            key = identifier(raw[id_column], id_column, limits.max_id_chars)
            name = text(raw[name_column], name_column, limits.max_name_chars, required=True)
            assert name is not None
            if key in table and table[key] != name:
                raise RowError(f"conflicting duplicate {id_column} {key}")
            table[key] = name
            return ()

        return build_rows(file.name, csv_rows(file), build)

    def _products(
        self, file: Path, departments: dict[str, str], aisles: dict[str, str], seen: set[str]
    ) -> Iterator[SourceRow]:
        limits = self._context

        def build(raw: RawRow) -> tuple[Record, ...]:
            native_id = identifier(raw["product_id"], "product_id", limits.max_id_chars)
            name = text(raw["product_name"], "product_name", limits.max_name_chars, required=True)
            department = departments.get(str(raw["department_id"]).strip())
            aisle = aisles.get(str(raw["aisle_id"]).strip())
            if department is None:
                raise RowError(f"unknown department_id {str(raw['department_id'])[:40]!r}")
            if aisle is None:
                raise RowError(f"unknown aisle_id {str(raw['aisle_id'])[:40]!r}")
            seen.add(native_id)
            category = CategoryRef(self.name, (department, aisle))
            return (ProductRecord(self.name, native_id, name, category=category),)

        return build_rows(file.name, csv_rows(file), build)

    def _orders(self, file: Path, orders: dict[str, tuple[str, int]]) -> Iterator[SourceRow]:
        limits = self._context

        def build(raw: RawRow) -> tuple[Record, ...]:
            order_id = identifier(raw["order_id"], "order_id", limits.max_id_chars)
            user = identifier(raw["user_id"], "user_id", limits.max_id_chars)
            order_number = integer(raw["order_number"], "order_number", 0, 1_000_000)
            if order_number is None:
                raise RowError("missing order_number")
            if order_id in orders:
                raise RowError(f"duplicate order_id {order_id}")
            orders[order_id] = (limits.pseudonymiser.user_id(self.name, user), order_number)
            return ()

        return build_rows(file.name, csv_rows(file), build, shown=_without_user)

    def _basket_lines(
        self, file: Path, orders: dict[str, tuple[str, int]], products: set[str]
    ) -> Iterator[SourceRow]:
        limits = self._context

        def build(raw: RawRow) -> tuple[Record, ...]:
            order_id = identifier(raw["order_id"], "order_id", limits.max_id_chars)
            product = identifier(raw["product_id"], "product_id", limits.max_id_chars)
            reordered = integer(raw["reordered"], "reordered", 0, 1) or 0
            if order_id not in orders:
                raise RowError(f"unknown order_id {order_id}")
            if product not in products:
                raise RowError(f"unknown product_id {product}")
            user_id, order_number = orders[order_id]
            interaction = InteractionRecord(
                user_id=user_id,
                product_id=f"{self.name}:{product}",
                product_source=self.name,
                ts=order_number,
                kind="order",
                weight=1.0 + reordered,
            )
            return (interaction,)

        return build_rows(file.name, csv_rows(file), build)


def _without_user(raw: RawRow) -> RawRow:
    """The row as it may be kept in a rejects file: without the raw user id."""
    return {key: value for key, value in raw.items() if key != "user_id"}

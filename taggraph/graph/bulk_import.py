"""Neo4j's bulk importer (``neo4j-admin database import full``) for a first load of the local server.

The importer writes store files directly from CSV tables, far faster than transactions, but only
into an empty database of a stopped server. Each table here is one CSV file with the importer's
header: node tables start with ``id:ID(<Label>)`` (every label its own id space), relationship
tables with ``:START_ID(<Label>)`` and ``:END_ID(<Label>)``, then typed property columns. An
empty cell leaves the property unset, as a ``null`` in a ``SET`` does. The tables state the same
graph model as the statements of ``cypher/write``; constraints and indexes are created after
the import.
"""

import csv
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from taggraph.errors import ServerError
from taggraph.graph import server
from taggraph.settings import Neo4jSettings


@dataclass(frozen=True)
class Table:
    """One CSV table of the importer.

    Attributes:
        file: File name stem.
        kind: ``nodes`` or ``relationships``.
        name: The label or relationship type.
        columns: The importer's header.

    """

    file: str
    kind: str
    name: str
    columns: tuple[str, ...]


TABLES = {
    table.file: table
    for table in (
        Table(
            "products",
            "nodes",
            "Product",
            (
                "id:ID(Product)",
                "source",
                "name",
                "description",
                "price:double",
                "year:long",
                "text_changed_at:datetime",
            ),
        ),
        Table("interaction_products", "nodes", "Product", ("id:ID(Product)", "source")),
        Table("categories", "nodes", "Category", ("id:ID(Category)", "name", "level:long", "source")),
        Table("tags", "nodes", "Tag", ("id:ID(Tag)", "name", "kind", "status")),
        Table("brands", "nodes", "Brand", ("id:ID(Brand)", "name")),
        Table("users", "nodes", "User", ("id:ID(User)",)),
        Table(
            "subcategory_of", "relationships", "SUBCATEGORY_OF", (":START_ID(Category)", ":END_ID(Category)")
        ),
        Table("in_category", "relationships", "IN_CATEGORY", (":START_ID(Product)", ":END_ID(Category)")),
        Table("has_brand", "relationships", "HAS_BRAND", (":START_ID(Product)", ":END_ID(Brand)")),
        Table(
            "has_tag",
            "relationships",
            "HAS_TAG",
            (":START_ID(Product)", ":END_ID(Tag)", "source", "status", "score:double", "updated_at:datetime"),
        ),
        Table(
            "interacted",
            "relationships",
            "INTERACTED",
            (":START_ID(User)", ":END_ID(Product)", "ts:long", "kind", "weight:double"),
        ),
    )
}
"""Every table of a load, by file stem."""


class ImportTables:
    """The CSV files of one load, written a row at a time.

    Args:
        folder: Where the files go (created if missing).

    Attributes:
        rows: Rows written per table.

    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows = dict.fromkeys(TABLES, 0)
        self._handles: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}  # csv writers

    def __repr__(self) -> str:
        return f"ImportTables({str(self.folder)!r}, rows={sum(self.rows.values())})"

    def __enter__(self) -> "ImportTables":
        self.folder.mkdir(parents=True, exist_ok=True)
        for stem, table in TABLES.items():
            handle = self.path(stem).open("w", encoding="utf-8", newline="")
            self._handles[stem] = handle
            self._writers[stem] = csv.writer(handle, lineterminator="\n")
            self._writers[stem].writerow(table.columns)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for handle in self._handles.values():
            handle.close()

    def path(self, stem: str) -> Path:
        """The CSV file of a table."""
        return self.folder / f"{stem}.csv"

    def add(self, stem: str, row: tuple[object, ...]) -> None:
        """Write one row (values in the order of the table's columns; None for unset)."""
        self._writers[stem].writerow(row)
        self.rows[stem] += 1

    def arguments(self) -> list[str]:
        """The importer's ``--nodes`` and ``--relationships`` arguments for the tables with rows."""
        return [
            f"--{table.kind}={table.name}={self.path(stem)}"
            for stem, table in TABLES.items()
            if self.rows[stem]
        ]

    def nodes(self) -> int:
        """Node rows written."""
        return sum(self.rows[stem] for stem, table in TABLES.items() if table.kind == "nodes")

    def relationships(self) -> int:
        """Relationship rows written."""
        return sum(self.rows[stem] for stem, table in TABLES.items() if table.kind == "relationships")


def import_full(settings: Neo4jSettings, tables: ImportTables, threads: int) -> str:
    """Run the importer over ``tables`` into the local server's database, which it replaces.

    The server must be stopped and its database empty (the caller checks both); the importer
    refuses a row it cannot take (``--bad-tolerance=0``), leaving the database as it was.

    Args:
        settings: The local server.
        tables: The written tables.
        threads: Importer threads.

    Returns:
        The importer's summary (its last lines of output).

    Raises:
        ServerError: If the server is running or the importer fails.

    """
    if server.status(settings).running:
        raise ServerError("the bulk importer needs the local server stopped")
    result = server.admin(
        settings,
        "database",
        "import",
        "full",
        settings.database,  # before the file lists, which take every argument after them
        "--overwrite-destination=true",
        "--multiline-fields=true",
        "--bad-tolerance=0",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
        f"--threads={threads}",
        f"--report-file={tables.folder / 'import.report'}",
        *tables.arguments(),
    )
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    if result.returncode != 0:
        messages = [line.strip() for line in output if not line.startswith(("\tat ", "\t... "))]
        raise ServerError("the bulk import failed: " + " | ".join(messages[-6:]))
    return "\n".join(output[-4:])

"""``taggraph load``: a first load of several sources through Neo4j's bulk importer.

Rows are read, validated and rejected as ``taggraph ingest`` does them (the same sources, the same
rejects files, accepted + rejected = input). The accepted records become the importer's tables
with what the ingest statements' ``MERGE`` would leave: one node per id, the first name given to
a tag, brand or category, one edge per product and tag, one interaction per user, product and
time (the last one read), and a node for every product an interaction names that no row
describes. The load then stops the local server, imports, starts it and creates the schema.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from taggraph.errors import InputError, ServerError
from taggraph.graph import server
from taggraph.graph.bulk_import import ImportTables, import_full
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.reader import graph_stats
from taggraph.graph.schema import apply_schema
from taggraph.jobs.ingest.records import (
    BrandRef,
    CategoryRef,
    InteractionRecord,
    ProductRecord,
    Record,
    TagRef,
)
from taggraph.jobs.ingest.rejects import RejectsFile
from taggraph.jobs.ingest.run import IngestReport, accepted_records
from taggraph.jobs.ingest.sources.base import Source
from taggraph.settings import Neo4jSettings


class BulkSink:
    """Turns accepted records into the importer's tables, as the ingest statements would merge them.

    Products and their edges are written as they come (a product id is accepted once); entities,
    users and interactions are gathered and written by :meth:`finish`.

    Args:
        tables: The open tables.
        loaded_at: The load's time, for ``text_changed_at`` and the tag edges' ``updated_at``.

    """

    def __init__(self, tables: ImportTables, loaded_at: str) -> None:
        self._tables = tables
        self._loaded_at = loaded_at
        self._products: set[str] = set()
        self._categories: dict[str, tuple[object, ...]] = {}
        self._parents: dict[str, str] = {}
        self._tags: dict[str, tuple[object, ...]] = {}
        self._brands: dict[str, tuple[object, ...]] = {}
        self._category_ids: dict[CategoryRef, str] = {}  # each name's id, made once
        self._brand_ids: dict[BrandRef, str] = {}
        self._tag_ids: dict[TagRef, str] = {}
        self._named_by_interactions: dict[str, str] = {}
        self._interactions: dict[tuple[str, str, int], tuple[str, float]] = {}

    def __repr__(self) -> str:
        return f"BulkSink(products={len(self._products)}, interactions={len(self._interactions)})"

    def add(self, record: Record) -> None:
        """Take one accepted record."""
        if isinstance(record, ProductRecord):
            self._add_product(record)
        else:
            self._add_interaction(record)

    def finish(self) -> None:
        """Write the entities, users and interactions gathered."""
        tables = self._tables
        for row in self._categories.values():
            tables.add("categories", row)
        for child, parent in self._parents.items():
            tables.add("subcategory_of", (child, parent))
        for row in self._tags.values():
            tables.add("tags", row)
        for row in self._brands.values():
            tables.add("brands", row)
        for product_id, source in self._named_by_interactions.items():
            if product_id not in self._products:
                tables.add("interaction_products", (product_id, source))
        for user_id in dict.fromkeys(user for user, _, _ in self._interactions):
            tables.add("users", (user_id,))
        for (user_id, product_id, ts), (kind, weight) in self._interactions.items():
            tables.add("interacted", (user_id, product_id, ts, kind, weight))

    def _add_product(self, product: ProductRecord) -> None:
        tables, product_id = self._tables, product.id
        self._products.add(product_id)
        tables.add(
            "products",
            (
                product_id,
                product.source,
                product.name,
                product.description,
                product.price,
                product.year,
                self._loaded_at,
            ),
        )
        if product.category is not None:
            tables.add("in_category", (product_id, self._category_id(product.category)))
        if product.brand is not None:
            tables.add("has_brand", (product_id, self._brand_id(product.brand)))
        for tag_id in dict.fromkeys(self._tag_id(tag) for tag in product.tags):
            tables.add("has_tag", (product_id, tag_id, "catalog", "approved", 1.0, self._loaded_at))

    def _category_id(self, category: CategoryRef) -> str:
        """The id of ``category``, gathering it and its ancestors the first time it is named."""
        known = self._category_ids.get(category)
        if known is not None:
            return known
        for node in category.lineage():
            node_id = self._category_ids[node] = node.id
            self._categories.setdefault(node_id, (node_id, node.name, node.level, node.source))
            if node.parent is not None:
                self._parents[node_id] = self._category_ids[node.parent]
        return self._category_ids[category]

    def _brand_id(self, brand: BrandRef) -> str:
        known = self._brand_ids.get(brand)
        if known is None:
            known = self._brand_ids[brand] = brand.id
            self._brands.setdefault(known, (known, brand.name))
        return known

    def _tag_id(self, tag: TagRef) -> str:
        known = self._tag_ids.get(tag)
        if known is None:
            known = self._tag_ids[tag] = tag.id
            self._tags.setdefault(known, (known, tag.name, tag.kind, "active"))
        return known

    def _add_interaction(self, interaction: InteractionRecord) -> None:
        self._named_by_interactions.setdefault(interaction.product_id, interaction.product_source)
        key = (interaction.user_id, interaction.product_id, interaction.ts)
        self._interactions[key] = (interaction.kind, interaction.weight)


@dataclass
class LoadReport:
    """What a bulk load did.

    Attributes:
        ingests: Per source, its rows as ``taggraph ingest`` counts them.
        nodes: Node rows imported.
        relationships: Relationship rows imported.
        parse_s: Seconds reading, validating and writing the tables.
        import_s: Seconds of the importer itself.
        total_s: Seconds from start to a server answering with its schema.
        summary: The importer's last lines of output.
        tables: The importer's tables (kept in the work folder).

    """

    tables: ImportTables
    ingests: list[IngestReport] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    parse_s: float = 0.0
    import_s: float = 0.0
    total_s: float = 0.0
    summary: str = ""


def bulk_load(
    settings: Neo4jSettings,
    inputs: list[tuple[Source, Path]],
    work_dir: Path,
    rejects_dir: Path,
    threads: int,
    on_rows: Callable[[int], None] | None = None,
) -> LoadReport:
    """Load ``inputs`` into the local server's empty database through the bulk importer.

    Args:
        settings: The local server (started if it is not running).
        inputs: Sources and their files, loaded in this order.
        work_dir: Where the importer's tables are written.
        rejects_dir: Folder of each source's rejects file.
        threads: Importer threads.
        on_rows: Called with the number of rows read since the last call.

    Returns:
        The report; per source ``accepted + rejected == input``.

    Raises:
        InputError: If the database holds anything, or the settings name another server.
        ServerError: If the server cannot be stopped or started, or the importer fails.

    """
    started = time.perf_counter()
    _check_local(settings)
    server.start(settings)
    _check_empty(settings)
    loaded_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    report = LoadReport(ImportTables(work_dir))
    with report.tables as tables:
        sink = BulkSink(tables, loaded_at)
        for source, path in inputs:
            ingest = IngestReport(source.name, path, rejects_dir / f"{source.name}.rejects.jsonl")
            with RejectsFile(ingest.rejects_path) as rejects:
                for record in accepted_records(source, path, ingest, rejects, on_rows):
                    sink.add(record)
            report.ingests.append(ingest)
        sink.finish()
    report.nodes, report.relationships = tables.nodes(), tables.relationships()
    report.parse_s = time.perf_counter() - started
    _check_empty(settings)
    if not server.stop(settings):
        raise ServerError("the local Neo4j stopped before the import could begin")
    imported = time.perf_counter()
    try:
        report.summary = import_full(settings, tables, threads)
    finally:  # the server runs again whether or not the import went through
        report.import_s = time.perf_counter() - imported
        server.start(settings)
    with create_driver(settings) as driver:
        apply_schema(GraphExecutor.from_settings(driver, settings))
    report.total_s = time.perf_counter() - started
    return report


def _check_local(settings: Neo4jSettings) -> None:
    """Refuse settings whose URI is not the local server's Bolt port (the importer writes its files)."""
    uri = urlsplit(settings.uri)
    local_hosts = {"127.0.0.1", "localhost", "::1", settings.listen_address}
    if uri.hostname not in local_hosts or (uri.port or 7687) != settings.bolt_port:
        raise InputError(
            f"a bulk load writes the store files of the local server (bolt port {settings.bolt_port}); "
            f"TAGGRAPH_NEO4J_URI points at {settings.uri}: use `taggraph ingest` for another server"
        )


def _check_empty(settings: Neo4jSettings) -> None:
    with create_driver(settings) as driver:
        stats = graph_stats(GraphExecutor.from_settings(driver, settings))
    if stats.node_total:
        raise InputError(
            f"the database holds {stats.node_total:,} nodes; a bulk load needs an empty one "
            "(`taggraph ingest` adds to a graph, `taggraph graph clear` empties it)"
        )

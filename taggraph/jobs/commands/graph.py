"""``taggraph graph``: schema and counts."""

import typer
from rich.table import Table

from taggraph.errors import InputError
from taggraph.graph.reader import embedding_counts, graph_stats
from taggraph.graph.schema import apply_schema, clear_graph
from taggraph.jobs.commands.runtime import console, open_graph, settings_of
from taggraph.jobs.similar import build_similar_lists

app = typer.Typer(help="Create the schema and inspect the graph.")


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the constraints and indexes of the graph model (idempotent)."""
    with open_graph(settings_of(ctx).neo4j) as executor:
        applied = apply_schema(executor)
    console.print(f"schema ready: {len(applied)} statements applied")


@app.command()
def stats(ctx: typer.Context) -> None:
    """Print node counts by label, relationship counts by type and nodes with embeddings."""
    with open_graph(settings_of(ctx).neo4j) as executor:
        counts = graph_stats(executor)
        embedded = embedding_counts(executor)
    table = Table("kind", "name", "count")
    for label, count in counts.nodes.items():
        table.add_row("node", label, f"{count:,}")
    for kind, count in counts.relationships.items():
        table.add_row("relationship", kind, f"{count:,}")
    for label, (count, runs) in embedded.items():
        if count:
            table.add_row("embedded", label, f"{count:,} (run {', '.join(runs)})")
    table.add_row("total", "nodes", f"{counts.node_total:,}")
    table.add_row("total", "relationships", f"{counts.relationship_total:,}")
    console.print(table)


@app.command()
def similar(
    ctx: typer.Context,
    k: int = typer.Option(20, min=1, max=1000, help="Similar products kept per product."),
    page_size: int = typer.Option(1000, min=1, max=100_000, help="Products per write transaction."),
) -> None:
    """Write each product's most similar products (shared tags, category, brand) for the API.

    /v1/products/{id}/similar reads these lists when they hold k products; run this again after
    ingests and tagging runs, since they reflect the graph as it was.
    """
    with open_graph(settings_of(ctx).neo4j) as executor:
        written = build_similar_lists(executor, k, page_size)
    console.print(f"similar-product lists written for {written:,} products (k={k})")


@app.command()
def clear(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", help="Confirm: delete every node and relationship."),
) -> None:
    """Delete every node and relationship (the schema stays). Needs --yes."""
    if not yes:
        raise InputError("`taggraph graph clear` deletes the whole graph; add --yes to confirm")
    with open_graph(settings_of(ctx).neo4j) as executor:
        clear_graph(executor)
    console.print("graph cleared")

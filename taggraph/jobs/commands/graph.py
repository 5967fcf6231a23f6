"""``taggraph graph``: schema and counts."""

import typer
from rich.table import Table

from taggraph.graph.errors import InputError
from taggraph.graph.reader import graph_stats
from taggraph.graph.schema import apply_schema, clear_graph
from taggraph.jobs.commands.runtime import console, open_graph

app = typer.Typer(help="Create the schema and inspect the graph.")


@app.command()
def init() -> None:
    """Create the constraints and indexes of the graph model (idempotent)."""
    with open_graph() as executor:
        applied = apply_schema(executor)
    console.print(f"schema ready: {len(applied)} statements applied")


@app.command()
def stats() -> None:
    """Print node counts by label and relationship counts by type."""
    with open_graph() as executor:
        counts = graph_stats(executor)
    table = Table("kind", "name", "count")
    for label, count in counts.nodes.items():
        table.add_row("node", label, f"{count:,}")
    for kind, count in counts.relationships.items():
        table.add_row("relationship", kind, f"{count:,}")
    table.add_row("total", "nodes", f"{counts.node_total:,}")
    table.add_row("total", "relationships", f"{counts.relationship_total:,}")
    console.print(table)


@app.command()
def clear(
    yes: bool = typer.Option(False, "--yes", help="Confirm: delete every node and relationship."),
) -> None:
    """Delete every node and relationship (the schema stays). Needs --yes."""
    if not yes:
        raise InputError("`taggraph graph clear` deletes the whole graph; add --yes to confirm")
    with open_graph() as executor:
        clear_graph(executor)
    console.print("graph cleared")

"""``taggraph graph``: schema and counts."""

import typer

from taggraph.errors import InputError
from taggraph.graph.reader import embedding_counts, graph_stats
from taggraph.graph.schema import apply_schema, clear_graph
from taggraph.jobs.commands.runtime import (
    JsonOption,
    console,
    open_graph,
    print_json,
    print_table,
    settings_of,
)

app = typer.Typer(help="Create the schema and inspect the graph.")


@app.command()
def init(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Create the constraints and indexes of the graph model (idempotent)."""
    with open_graph(settings_of(ctx).neo4j) as executor:
        applied = apply_schema(executor)
    if as_json:
        print_json({"statements": len(applied)})
        return
    console.print(f"schema ready: {len(applied)} statements applied")


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Print node counts by label, relationship counts by type and nodes with embeddings."""
    with open_graph(settings_of(ctx).neo4j) as executor:
        counts = graph_stats(executor)
        embedded = {label: found for label, found in embedding_counts(executor).items() if found[0]}
    if as_json:
        print_json(
            {
                "nodes": counts.nodes,
                "relationships": counts.relationships,
                "embedded": {
                    label: {"count": count, "runs": runs} for label, (count, runs) in embedded.items()
                },
                "node_total": counts.node_total,
                "relationship_total": counts.relationship_total,
            }
        )
        return
    rows: list[tuple[str, str, object]] = [("node", label, count) for label, count in counts.nodes.items()]
    rows += [("relationship", kind, count) for kind, count in counts.relationships.items()]
    rows += [
        ("embedded", label, f"{count:,} (run {', '.join(runs)})") for label, (count, runs) in embedded.items()
    ]
    rows += [("total", "nodes", counts.node_total), ("total", "relationships", counts.relationship_total)]
    print_table(("kind", "name", "count"), rows)


@app.command()
def clear(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", help="Confirm: delete every node and relationship."),
    as_json: JsonOption = False,
) -> None:
    """Delete every node and relationship (the schema stays). Needs --yes."""
    if not yes:
        raise InputError("`taggraph graph clear` deletes the whole graph; add --yes to confirm")
    with open_graph(settings_of(ctx).neo4j) as executor:
        clear_graph(executor)
    if as_json:
        print_json({"cleared": True})
        return
    console.print("graph cleared")

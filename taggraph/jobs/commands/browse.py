"""``taggraph browse``: the catalog team's named queries, as tables, and where Neo4j Browser is."""

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from taggraph.graph.browse import (
    BrowseParameter,
    BrowseQuery,
    browse_queries,
    browse_query,
    browser_address,
    browser_parameters,
    run_browse_query,
)
from taggraph.jobs.commands.runtime import console, open_graph, settings_of, wide

MAX_CELL_CHARS = 80


def browse(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Query to run; without it, the list.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A parameter as name=value. Repeat.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows as JSON Lines, not a table.")] = False,
    cypher: Annotated[
        bool, typer.Option("--cypher", help="Also print the :param line and Cypher for Neo4j Browser.")
    ] = False,
) -> None:
    """List the catalog team's named queries, or run one and print its rows.

    The queries live in taggraph/cypher/browse/; each runs in a read transaction, so none can
    change the graph.
    """
    settings = settings_of(ctx).neo4j
    if name is None:
        _print_catalogue(browse_queries())
        console.print(f"\nNeo4j Browser: {browser_address(settings)}", soft_wrap=True)
        return
    query = browse_query(name)
    values = query.bind(param or [])
    with open_graph(settings) as executor:
        rows = run_browse_query(executor, query, values)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, default=str, ensure_ascii=False))
        return
    _print_rows(query, rows)
    if cypher:
        console.print(f"\n{browser_parameters(values)}\n{query.text}", markup=False, soft_wrap=True)
    console.print(f"\nNeo4j Browser: {browser_address(settings)}", soft_wrap=True)


def _print_catalogue(queries: list[BrowseQuery]) -> None:
    table = Table("query", "shows", "parameters", show_lines=True)
    for query in queries:
        parameters = "\n".join(f"{p.name} ({p.type}, {_default(p)}): {p.help}" for p in query.parameters)
        table.add_row(query.name, query.description, parameters)
    console.print(table)
    console.print("run one: taggraph browse QUERY -p name=value ...")


def _default(parameter: BrowseParameter) -> str:
    if parameter.required:
        return "required"
    return f"default {'null' if parameter.default is None else parameter.default}"


def _print_rows(query: BrowseQuery, rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print(f"{query.name}: no rows")
        return
    table = Table(title=f"{query.name}: {len(rows):,} rows")
    for column in rows[0]:  # headers and ids are never cut; long values fold onto the next line
        table.add_column(column, no_wrap=column.endswith("_id"), overflow="fold", min_width=len(column))
    for row in rows:
        table.add_row(*(_cell(value) for value in row.values()))
    (console if console.is_terminal else wide).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"

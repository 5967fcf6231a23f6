"""``taggraph neo4j``: install, start, stop and inspect the local Neo4j server."""

from dataclasses import asdict

import typer

from taggraph.graph import server
from taggraph.jobs.commands.runtime import JsonOption, console, json_mode, print_json, settings_of

app = typer.Typer(help="Run a local Neo4j 5.26 Community server (jars from Maven Central).")


@app.command()
def install(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Resolve the Neo4j jars with Maven (once, cached) and write the server's configuration."""
    json_mode(as_json)
    settings = settings_of(ctx).neo4j
    console.print(f"resolving Neo4j {settings.version} into {settings.lib_dir} ...")
    server.install(settings)
    if as_json:
        print_json(
            {"version": settings.version, "lib_dir": str(settings.lib_dir), "home": str(settings.home)}
        )
        return
    console.print(f"installed; home {settings.home}; start it with `taggraph neo4j start`")


@app.command()
def start(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Start the server in the background and wait until Bolt answers (harmless if running)."""
    status = server.start(settings_of(ctx).neo4j)
    if as_json:
        print_json(asdict(status))
        return
    console.print(status.describe())


@app.command()
def stop(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Stop the server cleanly and wait for it to exit."""
    stopped = server.stop(settings_of(ctx).neo4j)
    if as_json:
        print_json({"stopped": stopped})
        return
    console.print("stopped" if stopped else "not running")


@app.command()
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show whether the server runs (pid), its version, ports and whether Bolt answers (exit 3: not)."""
    current = server.status(settings_of(ctx).neo4j)
    if as_json:
        print_json(asdict(current))
    else:
        console.print(current.describe())
    if not current.running:
        raise typer.Exit(code=3)

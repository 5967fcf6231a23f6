"""``taggraph neo4j``: install, start, stop and inspect the local Neo4j server."""

import typer

from taggraph.graph import server
from taggraph.graph.settings import Neo4jSettings
from taggraph.jobs.commands.runtime import console

app = typer.Typer(help="Run a local Neo4j 5.26 Community server (jars from Maven Central).")


@app.command()
def install() -> None:
    """Resolve the Neo4j jars with Maven (once, cached) and write the server's configuration."""
    settings = Neo4jSettings()
    console.print(f"resolving Neo4j {settings.version} into {settings.lib_dir} ...")
    server.install(settings)
    console.print(f"installed; home {settings.home}; start it with `taggraph neo4j start`")


@app.command()
def start() -> None:
    """Start the server in the background and wait until Bolt answers (harmless if running)."""
    status = server.start(Neo4jSettings())
    console.print(status.describe())


@app.command()
def stop() -> None:
    """Stop the server cleanly and wait for it to exit."""
    stopped = server.stop(Neo4jSettings())
    console.print("stopped" if stopped else "not running")


@app.command()
def status() -> None:
    """Show whether the server runs (pid), its version, ports and whether Bolt answers."""
    current = server.status(Neo4jSettings())
    console.print(current.describe())
    if not current.running:
        raise typer.Exit(code=3)

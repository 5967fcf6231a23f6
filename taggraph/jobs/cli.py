"""The ``taggraph`` command line: one clear line and a non-zero exit for every expected failure."""

import errno
import os
import sys
from typing import Annotated

import typer
from neo4j.exceptions import Neo4jError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from typer.exceptions import TyperException

from taggraph import __version__
from taggraph.errors import TaggraphError
from taggraph.jobs.commands import browse, extractor, gnn, graph, ingest, linker, neo4j, review, serve, tagger
from taggraph.jobs.commands.runtime import errors, json_mode

app = typer.Typer(
    name="taggraph",
    help="Product text to tags, kept in a Neo4j knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"taggraph {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Product text to tags, kept in a Neo4j knowledge graph."""


app.add_typer(neo4j.app, name="neo4j")
app.add_typer(graph.app, name="graph")
app.add_typer(tagger.app, name="tagger")
app.add_typer(extractor.app, name="extractor")
app.add_typer(linker.app, name="linker")
app.add_typer(gnn.app, name="gnn")
app.add_typer(review.app, name="review")
app.command(name="ingest")(ingest.ingest)
app.command(name="load")(ingest.load)
app.command(name="tag")(tagger.tag)
app.command(name="extract")(extractor.extract)
app.command(name="link")(linker.link)
app.command(name="serve")(serve.serve)
app.command(name="refine")(gnn.refine)
app.command(name="export")(gnn.export)
app.command(name="embed")(gnn.embed)
app.command(name="browse")(browse.browse)

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn expected failures into one line on stderr.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit code.

    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # the commands draw their own progress
    for stream in (sys.stdout, sys.stderr):  # bytes of a non-UTF-8 input echoed in a message
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            reconfigure(errors="backslashreplace")
    json_mode(False)  # each invocation starts speaking; --json silences only its own command
    try:
        result = app(args=argv, prog_name="taggraph", standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        errors.print("error: aborted")
        return EXIT_INTERRUPTED
    except TyperException as usage:
        show = getattr(usage, "show", None)
        if callable(show):
            show()
        else:
            errors.print(f"error: {usage}", markup=False)
        return int(getattr(usage, "exit_code", EXIT_USAGE))
    except KeyboardInterrupt:
        errors.print("error: interrupted; running the same command again resumes")
        return EXIT_INTERRUPTED
    except TaggraphError as error:
        errors.print(f"error: {error}", markup=False)
        return EXIT_ERROR
    except OSError as error:
        if error.errno != errno.ENAMETOOLONG:
            raise
        name = str(error.filename)[:100]
        errors.print(f"error: a path is too long for the file system: {name}...", markup=False)
        return EXIT_USAGE
    except ValidationError as error:
        problems = "; ".join(
            f"{_variable(problem['loc'])} ({'.'.join(map(str, problem['loc']))}): {problem['msg']}"
            for problem in error.errors()
        )
        errors.print(f"error: invalid setting: {problems}", markup=False)
        return EXIT_USAGE
    except SettingsError as error:
        section = str(error).split('"')[1] if str(error).count('"') >= 2 else ""
        where = f" (TAGGRAPH_{section.upper()}_* variables)" if section else ""
        errors.print(f"error: invalid setting{where}: {error}: {error.__cause__}", markup=False)
        return EXIT_USAGE
    except Neo4jError as error:
        errors.print(f"error: Neo4j refused the request: {error.code}: {error.message}", markup=False)
        return EXIT_ERROR
    return result if isinstance(result, int) else 0


def _variable(location: tuple[int | str, ...]) -> str:
    """The environment variable of a setting's location, such as ``TAGGRAPH_NEO4J_BOLT_PORT``."""
    return "TAGGRAPH_" + "_".join(str(part) for part in location[:2]).upper()


if __name__ == "__main__":
    sys.exit(main())

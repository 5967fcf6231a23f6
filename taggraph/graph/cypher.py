"""The one way to get a Cypher statement: by name, from ``taggraph/cypher/<name>.cypher``."""

import re
from functools import cache
from importlib import resources

from taggraph.errors import CypherNotFoundError

_NAME = re.compile(r"^[a-z_]+/[a-z0-9_]+$")


@cache
def load_cypher(name: str) -> str:
    """Return the text of the statement called ``name``.

    Args:
        name: ``folder/statement``, such as ``write/products``.

    Returns:
        The Cypher text with trailing whitespace removed.

    Raises:
        CypherNotFoundError: If the name is malformed or no such file ships.

    """
    if not _NAME.match(name):
        raise CypherNotFoundError(f"not a Cypher statement name: {name!r}")
    resource = resources.files("taggraph.cypher").joinpath(f"{name}.cypher")
    if not resource.is_file():
        raise CypherNotFoundError(f"no Cypher statement named {name!r}")
    return resource.read_text(encoding="utf-8").strip()


def statement_names(folder: str) -> list[str]:
    """List the statement names of one folder of ``cypher/`` in file-name order.

    Args:
        folder: A folder of ``cypher/``, such as ``schema``.

    Returns:
        Names usable with :func:`load_cypher`.

    """
    directory = resources.files("taggraph.cypher").joinpath(folder)
    names = sorted(
        entry.name[: -len(".cypher")] for entry in directory.iterdir() if entry.name.endswith(".cypher")
    )
    return [f"{folder}/{name}" for name in names]

"""Named, parameterised read queries for the catalog team, from ``taggraph/cypher/browse/``.

Each file starts with comment lines: the first says what the query shows, then one line per
parameter, ``// @param NAME TYPE [= DEFAULT]  help``, where TYPE is ``string``, ``int`` or
``float`` and ``null`` as a default means "no filter". The same text pastes into Neo4j Browser
after ``:param``.
"""

import math
import re
from dataclasses import dataclass
from functools import cache, partial
from typing import Any
from urllib.parse import quote, urlsplit

from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.cypher import load_cypher, statement_names
from taggraph.settings import Neo4jSettings

FOLDER = "browse"
MAX_STRING_CHARS = 1000
_PARAM = re.compile(
    r"^// @param (?P<name>[a-z_]+) (?P<type>string|int|float)(?: = (?P<default>\S+))?\s+(?P<help>.+)$"
)
_ASSIGNMENT = re.compile(r"^(?P<name>[a-z_]+)=(?P<value>.*)$", re.DOTALL)


@dataclass(frozen=True)
class BrowseParameter:
    """One parameter of a browse query.

    Attributes:
        name: Cypher parameter name, without ``$``.
        type: ``string``, ``int`` or ``float``.
        required: Whether the query needs a value (no default).
        default: Value used when none is given (None: no filter).
        help: What the parameter does.

    """

    name: str
    type: str
    required: bool
    default: str | int | float | None
    help: str

    def convert(self, text: str) -> str | int | float:
        """Turn a value typed on the command line into this parameter's type.

        Args:
            text: The value as typed.

        Returns:
            The value as a string, int or float.

        Raises:
            InputError: If the text is empty, too long, not of the type, or not a finite number.

        """
        if not text.strip():
            raise InputError(f"parameter {self.name!r} is empty")
        if len(text) > MAX_STRING_CHARS:
            raise InputError(f"parameter {self.name!r} is longer than {MAX_STRING_CHARS} characters")
        if self.type == "string":
            if any(ord(char) < 32 for char in text):
                raise InputError(f"parameter {self.name!r} holds control characters")
            return text
        try:
            value = int(text) if self.type == "int" else float(text)
        except ValueError:
            raise InputError(f"parameter {self.name!r} must be {_article(self.type)}, not {text!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"parameter {self.name!r} must be a finite number, not {text!r}")
        if self.name == "limit" and not 1 <= value <= 10_000:
            raise InputError(f"parameter 'limit' must be between 1 and 10000, not {value}")
        return value


@dataclass(frozen=True)
class BrowseQuery:
    """A named query of ``cypher/browse/``.

    Attributes:
        name: File name without extension, such as ``product``.
        description: What the query shows (its first comment line).
        parameters: Its parameters in file order.
        text: The Cypher text.

    """

    name: str
    description: str
    parameters: tuple[BrowseParameter, ...]
    text: str

    def bind(self, assignments: list[str]) -> dict[str, Any]:
        """Parameter values from ``name=value`` strings, defaults for the rest.

        Args:
            assignments: Values as typed, such as ``["product_id=myntra:33554"]``.

        Returns:
            Every parameter of the query with its value.

        Raises:
            InputError: For a malformed assignment, an unknown or repeated name, a value of the
                wrong type, or a required parameter left out.

        """
        by_name = {parameter.name: parameter for parameter in self.parameters}
        given: dict[str, Any] = {}
        for assignment in assignments:
            match = _ASSIGNMENT.match(assignment)
            if match is None:
                raise InputError(f"parameters are name=value, not {assignment!r}")
            name, value = match["name"], match["value"]
            if name not in by_name:
                known = ", ".join(by_name) or "none"
                raise InputError(f"query {self.name!r} has no parameter {name!r} (it has: {known})")
            if name in given:
                raise InputError(f"parameter {name!r} is given twice")
            given[name] = by_name[name].convert(value)
        missing = [p.name for p in self.parameters if p.required and p.name not in given]
        if missing:
            raise InputError(f"query {self.name!r} needs {', '.join(f'{name}=...' for name in missing)}")
        return {p.name: given.get(p.name, p.default) for p in self.parameters}


def browse_queries() -> list[BrowseQuery]:
    """Every query of ``cypher/browse/``, in name order."""
    return [_parse(name) for name in statement_names(FOLDER)]


def browse_query(name: str) -> BrowseQuery:
    """The browse query called ``name``.

    Raises:
        InputError: If no such query ships; the message lists those that do.

    """
    queries = {query.name: query for query in browse_queries()}
    if name not in queries:
        raise InputError(f"no browse query {name!r}; there are: {', '.join(queries)}")
    return queries[name]


def run_browse_query(
    executor: GraphExecutor, query: BrowseQuery, values: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run a browse query in a read transaction.

    Args:
        executor: Executor on the graph.
        query: The query.
        values: Its parameters, as :meth:`BrowseQuery.bind` gives them.

    Returns:
        The rows as dictionaries, columns in the query's order.

    """
    return [dict(record) for record in executor.read(f"{FOLDER}/{query.name}", **values)]


def browser_parameters(values: dict[str, Any]) -> str:
    """The ``:param`` commands that set these values in Neo4j Browser, one per line.

    The ``name => value`` form evaluates the value as Cypher, so integers stay integers (the
    ``:params {...}`` form would make them floats).
    """
    return "\n".join(f":param {name} => {_cypher_literal(value)}" for name, value in values.items())


@cache  # the statements ship with the package; the review page links 50 cards per page
def _parse(statement: str) -> BrowseQuery:
    text = load_cypher(statement)
    comments = [line for line in text.splitlines() if line.startswith("//")]
    if not comments or comments[0].startswith("// @param"):
        raise ValueError(f"{statement}.cypher must start with a comment saying what it shows")
    parameters = []
    for line in comments[1:]:
        match = _PARAM.match(line)
        if match is None:
            raise ValueError(f"{statement}.cypher: not a parameter line: {line!r}")
        parameters.append(_parameter(match))
    return BrowseQuery(
        name=statement.split("/", 1)[1],
        description=comments[0].removeprefix("//").strip(),
        parameters=tuple(parameters),
        text=text,
    )


def _parameter(match: re.Match[str]) -> BrowseParameter:
    default_text, kind = match["default"], match["type"]
    default: str | int | float | None
    if default_text is None or default_text == "null":
        default = None
    else:
        default = {"string": str, "int": int, "float": float}[kind](default_text)
    return BrowseParameter(
        name=match["name"],
        type=kind,
        required=default_text is None,
        default=default,
        help=match["help"].strip(),
    )


def _article(kind: str) -> str:
    return {"string": "a string", "int": "an integer", "float": "a number"}[kind]


def _literal_of(value: Any, _: re.Match[str]) -> str:
    return _cypher_literal(value)


def _cypher_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


def browser_address(settings: Neo4jSettings) -> str:
    """Where the catalog team opens Neo4j Browser, its connection form filled in.

    The local server serves the Browser on its HTTP port; for any other server the address is
    the hosted Browser, which connects to the configured URI from the user's machine.

    Args:
        settings: Connection settings.

    """
    parts = urlsplit(settings.uri)
    connect = f"{parts.scheme}://{quote(settings.user, safe='')}@{parts.hostname}:{parts.port or 7687}"
    query = f"?dbms={quote(connect, safe=':/@')}&db={quote(settings.database, safe='')}"
    if parts.hostname in {"127.0.0.1", "localhost", "::1", settings.listen_address}:
        return f"http://{settings.listen_address}:{settings.http_port}/browser/{query}"
    return f"https://browser.neo4j.io/{query}"


def browser_editor_link(
    settings: Neo4jSettings, query: BrowseQuery, values: dict[str, Any], base: str = ""
) -> str:
    """Neo4j Browser with ``query`` in its editor, the parameters written in as Cypher literals.

    Args:
        settings: Connection settings (the Browser's address and connection form).
        query: A named query.
        values: Its parameter values.
        base: The Browser's address, when not :func:`browser_address`.

    """
    text = " ".join(line.strip() for line in query.text.splitlines() if not line.lstrip().startswith("//"))
    for name, value in values.items():  # a function as the replacement: the literal's \ stay as they are
        text = re.sub(rf"\${re.escape(name)}\b", partial(_literal_of, value), text)
    address = base or browser_address(settings)
    separator = "&" if "?" in address else "?"
    return f"{address}{separator}cmd=edit&arg={quote(text, safe='')}"

"""Property-based fuzzing of every /v1 operation over a real server and one kept-alive connection.

Bodies, query values and path ids are drawn from hostile values (lone surrogates, NUL, NaN,
Infinity, numbers past float range, booleans where numbers go, deep nesting, duplicate keys,
huge strings) mixed into the operation's own field names, so validation is reached field by
field. No answer may be a 5xx and no connection may be dropped.
"""

import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taggraph.api.app import create_app
from taggraph.graph.connection import GraphExecutor
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import KEYS, api_settings
from tests.support.live_server import live_server

pytestmark = pytest.mark.slow
EXAMPLES = 30
ADMIN = {"X-API-Key": KEYS["ops"]}

HOSTILE_TEXT = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "\x00",
        "tag:\x00colour",
        "💥" * 3,
        "x" * 5000,
        "",
        " ",
        "NaN",
        "1e400",
        "../../etc",
    ]
)
TEXT = st.one_of(HOSTILE_TEXT, st.text(max_size=20), st.text(st.characters(codec="utf-8"), max_size=8))
NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 10**400, True, False]),
)
SCALAR = st.one_of(TEXT, NUMBER, st.none())


def json_text(value: object) -> str:
    """JSON as a client may send it: NaN, Infinity and numbers past float range included."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**64:
        return "1e400"
    if isinstance(value, list):
        return "[" + ",".join(json_text(item) for item in value) + "]"
    if isinstance(value, tuple):  # an object as key-value pairs, duplicate keys allowed
        return "{" + ",".join(json.dumps(key) + ":" + json_text(item) for key, item in value) + "}"
    return json.dumps(value)


def values(keys: list[str]) -> st.SearchStrategy[object]:
    """Hostile JSON values, objects keyed mostly by ``keys`` (the operation's own field names)."""
    key = st.one_of(st.sampled_from(keys or ["x"]), TEXT)
    return st.recursive(
        SCALAR,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(st.tuples(key, inner), max_size=5).map(tuple),
        ),
        max_leaves=12,
    )


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture(scope="module")
def server(models_dir: Path, catalog_graph: GraphExecutor, neo4j_settings: Neo4jSettings) -> Iterator[str]:
    settings = api_settings(models_dir, neo4j_settings)
    app = create_app(settings)
    with live_server(app, settings) as (host, port):
        base = f"http://{host}:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(600):
                if client.get("/readyz").status_code == 200:
                    break
                time.sleep(0.2)
        yield base


def operations(base: str) -> list[tuple[str, str, dict]]:
    schema = httpx.get(f"{base}/openapi.json").json()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if path.startswith("/v1/"):
                found.append((method.upper(), path, operation))
    return found


def field_names(operation: dict, schema: dict) -> list[str]:
    names = [parameter["name"] for parameter in operation.get("parameters", [])]
    reference = (
        operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {})
        .get("$ref")
    )
    stack = [reference] if reference else []
    while stack:
        component = schema["components"]["schemas"][stack.pop().split("/")[-1]]
        for name, field in component.get("properties", {}).items():
            names.append(name)
            for option in [field, *field.get("anyOf", []), field.get("items", {})]:
                if "$ref" in option and len(names) < 50:
                    stack.append(option["$ref"])
    return sorted(set(names))


def fuzz_operation(
    client: httpx.Client, method: str, path: str, names: list[str], seen: Counter[int], failures: list[str]
) -> None:
    """Send ``EXAMPLES`` hostile requests to one operation, counting statuses and failures."""

    @given(
        body=values(names),
        query=st.dictionaries(st.sampled_from(names or ["x"]), TEXT, max_size=3),
        identifier=TEXT,
        depth=st.sampled_from([0, 0, 0, 50, 5000]),
    )
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def call(body: object, query: dict[str, str], identifier: str, depth: int) -> None:
        url = path
        for parameter in ("product_id", "tag_id"):
            url = url.replace(
                "{" + parameter + "}", quote(identifier.encode("utf-8", "surrogatepass"), safe="")
            )
        text = deep(depth) if depth else json_text(body)
        params = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in query.items()}
        try:
            response = client.request(
                method,
                url,
                params=params,
                content=text.encode("utf-8", "surrogatepass"),
                headers={"content-type": "application/json"},
            )
        except httpx.TransportError as error:
            failures.append(f"{method} {path}: connection dropped ({type(error).__name__})")
            return
        seen[response.status_code] += 1
        if response.status_code >= 500 and response.status_code != 503:
            failures.append(f"{method} {path} {text[:80]!r}: {response.status_code} {response.text[:120]}")

    call()


def test_no_hostile_request_gives_a_server_error_or_drops_the_connection(server: str) -> None:
    schema = httpx.get(f"{server}/openapi.json").json()
    found = operations(server)
    assert len(found) >= 9
    statuses: dict[str, Counter[int]] = {}
    failures: list[str] = []
    with httpx.Client(base_url=server, timeout=60, headers=ADMIN) as client:
        for method, path, operation in found:
            seen = statuses.setdefault(f"{method} {path}", Counter())
            fuzz_operation(client, method, path, field_names(operation, schema), seen, failures)
    print({operation: dict(sorted(counts.items())) for operation, counts in statuses.items()})
    assert failures == []
    assert all(sum(counts.values()) >= EXAMPLES for counts in statuses.values())

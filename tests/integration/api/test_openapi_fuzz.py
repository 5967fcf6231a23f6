"""Schemathesis against the OpenAPI schema, with an admin key: no input may produce a 5xx."""

import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from taggraph.api.app import create_app
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import KEYS, api_settings

pytestmark = pytest.mark.slow
EXAMPLES = 40


def test_no_generated_input_gives_a_server_error(models_dir: Path, neo4j_settings: Neo4jSettings) -> None:
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(api_settings(models_dir, neo4j_settings))
    )
    readiness = schema["/readyz"]["GET"]
    deadline = time.monotonic() + 120
    while readiness.Case().call().status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    statuses: dict[str, dict[int, int]] = {}
    server_errors = []

    def fuzz(operation) -> None:
        seen = statuses.setdefault(operation.label, {})

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case) -> None:
            response = case.call(headers={"X-API-Key": KEYS["ops"]})
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                server_errors.append((operation.label, case.as_curl_command(), response.text[:200]))

        call()

    for result in schema.get_all_operations():
        fuzz(result.ok())
    print({label: dict(sorted(counts.items())) for label, counts in statuses.items()})
    assert len(statuses) == 16 and all(statuses.values())
    assert server_errors == []

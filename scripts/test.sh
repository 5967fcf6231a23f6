#!/usr/bin/env bash
# Runs every test. Integration tests use a real Neo4j server of their own (separate home and
# ports, so a demo graph is never touched), installed and started here and stopped afterwards.
# Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$repo"

test_home="$(mktemp -d "${TMPDIR:-/tmp}/taggraph-test-neo4j.XXXXXX")"
export TAGGRAPH_NEO4J_HOME="$test_home"
export TAGGRAPH_NEO4J_BOLT_PORT="${TAGGRAPH_TEST_BOLT_PORT:-17687}"
export TAGGRAPH_NEO4J_HTTP_PORT="${TAGGRAPH_TEST_HTTP_PORT:-17474}"
export TAGGRAPH_NEO4J_URI="bolt://127.0.0.1:$TAGGRAPH_NEO4J_BOLT_PORT"
export TAGGRAPH_NEO4J_PASSWORD="taggraph-test-password"
export TAGGRAPH_TEST_NEO4J=required
export TAGGRAPH_REJECTS_DIR="$test_home/rejects"
export TAGGRAPH_STATE_DIR="$test_home/state"
export TAGGRAPH_PSEUDONYM_KEY="taggraph-test-pseudonym-key-0123"

cleanup() {
  taggraph neo4j stop >/dev/null 2>&1 || true
  rm -rf "$test_home"
}
trap cleanup EXIT

taggraph neo4j install
taggraph neo4j start
python -m pytest "$@"

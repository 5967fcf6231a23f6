"""Shared fixtures: paths to the shipped demo data and the public data beside the repository."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return REPO / "data" / "demo"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public data not found at {SHARED_DATA}")
    return SHARED_DATA


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/integration talks to the real server: mark it ``neo4j``."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.neo4j)

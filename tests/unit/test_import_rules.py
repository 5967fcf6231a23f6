"""The import rules of ARCHITECTURE.md, checked on the source and on a live interpreter."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "taggraph"
HEAVY = ("torch", "faiss", "transformers", "sentence_transformers", "torch_geometric")
FORBIDDEN = {
    "graph": ("taggraph.encoders", "taggraph.linker", "taggraph.jobs", "taggraph.api", *HEAVY),
    "encoders": ("taggraph.graph", "taggraph.linker", "taggraph.api", "taggraph.jobs"),
    "linker": ("taggraph.graph", "taggraph.api", "taggraph.jobs"),
}
CYPHER_IN_PYTHON = re.compile(
    r"\b(MATCH|MERGE|CREATE|UNWIND|DETACH DELETE)\b\s*[(\[$]|\bRETURN\b\s+\w+\s*(AS|,)"
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package: str) -> None:
    offences = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for module in imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offences.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offences == []


def test_nothing_outside_jobs_and_api_imports_them() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        owner = path.relative_to(PACKAGE).parts[0]
        for module in imported_modules(path):
            for target in ("jobs", "api"):
                if module.startswith(f"taggraph.{target}") and owner not in ("jobs", "api"):
                    offences.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offences == []


def test_importing_graph_loads_no_heavy_package() -> None:
    modules = [
        f"taggraph.graph.{path.stem}"
        for path in sorted((PACKAGE / "graph").glob("*.py"))
        if path.stem != "__init__"
    ]
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in modules)
        + f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_cypher_lives_only_in_cypher_files() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if CYPHER_IN_PYTHON.search(line):
                offences.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offences == []


def test_the_cypher_pattern_catches_cypher() -> None:
    assert CYPHER_IN_PYTHON.search('query = "MATCH (p:Product) RETURN p"')
    assert CYPHER_IN_PYTHON.search("UNWIND $rows AS row")
    assert not CYPHER_IN_PYTHON.search("# the batch is matched against the header")

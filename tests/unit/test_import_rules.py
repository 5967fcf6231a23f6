"""The layering rules, checked on the source and on a live interpreter.

- ``errors`` and ``settings`` import nothing of taggraph; every package may import them.
- ``graph`` imports no other package of taggraph and no model library.
- ``encoders`` never imports ``graph``, ``linker``, ``core``, ``api`` or ``jobs``.
- ``linker`` may import ``encoders``; never ``graph``, ``core``, ``api`` or ``jobs``.
- ``core`` may import ``graph``, ``encoders`` and ``linker``; never ``api`` or ``jobs``.
- ``api`` never imports ``jobs``; nothing imports ``api`` but the command that serves it.
- Route modules import only ``api`` and ``core``: they parse, call core, shape the answer.
- Cypher lives only in ``cypher/*.cypher``.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "taggraph"
HEAVY = ("torch", "faiss", "transformers", "sentence_transformers", "torch_geometric")
PACKAGES = ("graph", "encoders", "linker", "core", "api", "jobs")
FORBIDDEN = {
    "graph": (
        "taggraph.encoders",
        "taggraph.linker",
        "taggraph.core",
        "taggraph.jobs",
        "taggraph.api",
        *HEAVY,
    ),
    "encoders": ("taggraph.graph", "taggraph.linker", "taggraph.core", "taggraph.api", "taggraph.jobs"),
    "linker": ("taggraph.graph", "taggraph.core", "taggraph.api", "taggraph.jobs"),
    "core": ("taggraph.api", "taggraph.jobs"),
    "api": ("taggraph.jobs",),
}
API_STARTER = Path("jobs/commands/serve.py")
PYTHON_API = (Path("__init__.py"), "taggraph.jobs.python_api")
"""The package's ``connect`` loads the Python API, the one part of ``jobs`` meant for import."""
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


def test_nothing_imports_jobs_but_jobs_and_the_python_api() -> None:
    offences = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "jobs"
        for module in imported_modules(path)
        if module.startswith("taggraph.jobs") and (path.relative_to(PACKAGE), module) != PYTHON_API
    ]
    assert offences == []


def test_nothing_imports_api_but_api_and_the_command_that_serves_it() -> None:
    offences = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "api" and path.relative_to(PACKAGE) != API_STARTER
        for module in imported_modules(path)
        if module.startswith("taggraph.api")
    ]
    assert offences == []


@pytest.mark.parametrize("module", ["errors", "settings"])
def test_shared_modules_import_nothing_of_taggraph(module: str) -> None:
    assert {
        name for name in imported_modules(PACKAGE / f"{module}.py") if name.startswith("taggraph")
    } == set()


def test_routes_import_only_api_and_core() -> None:
    offences = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / "api" / "routes").glob("*.py"))
        for module in imported_modules(path)
        if module.startswith("taggraph") and not module.startswith(("taggraph.api", "taggraph.core"))
    ]
    assert offences == []


def test_every_package_is_ruled() -> None:
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert packages - {"cypher"} == set(PACKAGES)


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

"""docs/benchmarks.md is what bench/report.py makes of bench/results, never a hand edit."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def report_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_document_is_the_generated_one(tmp_path: Path) -> None:
    generated = report_module().render(ROOT / "bench" / "results", tmp_path / "benchmarks.md")
    assert (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8") == generated, (
        "docs/benchmarks.md differs from bench/results: run `python bench/report.py`"
    )
    for link in (part.split("](")[1].split(")")[0] for part in generated.split("![")[1:]):
        assert (tmp_path / link).is_file() and (ROOT / "docs" / link).is_file()


def test_a_figure_in_a_results_file_reaches_the_document(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    recsys = {
        "users": 10,
        "items": 20,
        "methods": {"probe method": {"sampled_hr10": 0.4321, "sampled_ndcg10": 0.1, "full_hr10": 0.2}},
    }
    (results / "recsys.json").write_text(json.dumps(recsys))
    document = report_module().render(results, tmp_path / "docs" / "benchmarks.md")
    assert "| probe method | 0.4321 | 0.1000 | 0.2000 |  |" in document
    assert "Not measured yet: run `python bench/tagger.py`" in document

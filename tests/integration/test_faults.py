"""Faults survived, against the real local Neo4j and the real `taggraph` command.

Neo4j is killed (SIGKILL, as a crash or an OOM kill does) in the middle of an ingest, a tagging
run and an embedding write, then started again: running the same command again must end with
exactly the graph of an uninterrupted run. Two ingests of one file at once, a full disk and an
unwritable folder for rejects and artifacts, and corrupt model folders are tried as well.
"""

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import pytest

from taggraph.graph import server
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import embedding_counts, graph_stats, tag_edge_counts
from taggraph.graph.schema import clear_graph
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.settings import Neo4jSettings
from tests.support.catalog import first_rows
from tests.support.tagging import tiny_encoder_for, train_tiny_tagger

pytestmark = pytest.mark.slow
TAGGRAPH = Path(sys.executable).with_name("taggraph")
UNWRITABLE = Path("/sys/taggraph-cannot-write-here")  # EPERM even for root


@dataclass
class Run:
    """A finished command."""

    code: int
    out: str
    err: str


@dataclass
class Cli:
    """The `taggraph` command in a subprocess, with this test's folders."""

    env: dict[str, str]
    cwd: Path

    def start(self, *args: str, file_size_limit: int | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(TAGGRAPH), *args],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_limit_file_size(file_size_limit) if file_size_limit else None,
        )

    def run(self, *args: str, file_size_limit: int | None = None, **extra_env: str) -> Run:
        if extra_env:
            return Cli(self.env | extra_env, self.cwd).run(*args, file_size_limit=file_size_limit)
        return finish(self.start(*args, file_size_limit=file_size_limit))


def _limit_file_size(limit: int) -> Callable[[], None]:
    """In the child: files cannot grow past ``limit`` bytes, as on a full disk (EFBIG, not a kill)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def finish(process: subprocess.Popen[str], timeout: float = 600) -> Run:
    out, err = process.communicate(timeout=timeout)
    return Run(process.returncode, out, err)


def one_error_line(run: Run) -> str:
    """The command failed with one `error:` line and no traceback; that line."""
    assert run.code != 0, run.out
    assert "Traceback" not in run.err, run.err
    lines = [line for line in run.err.splitlines() if line.strip() and "warn" not in line.lower()]
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    return lines[0]


@pytest.fixture()
def cli(executor: GraphExecutor, tmp_path: Path) -> Cli:
    env = dict(os.environ)
    env |= {
        "TAGGRAPH_STATE_DIR": str(tmp_path / "state"),
        "TAGGRAPH_REJECTS_DIR": str(tmp_path / "rejects"),
        "TAGGRAPH_MODELS_DIR": str(tmp_path / "models"),
        "TAGGRAPH_NEO4J_RETRY_TIME_S": "3",
        "TAGGRAPH_NEO4J_CONNECT_TIMEOUT_S": "2",
        "TAGGRAPH_TAGGER_PRECISION": "fp32",
    }
    return Cli(env, tmp_path)


@pytest.fixture()
def restart_after(neo4j_settings: Neo4jSettings) -> Iterator[Callable[[], None]]:
    """Kill Neo4j with SIGKILL; the server is started again however the test ends."""
    killed = False

    def kill() -> None:
        nonlocal killed
        pid = server.status(neo4j_settings).pid
        assert pid is not None, "the test Neo4j is not running"
        os.kill(pid, signal.SIGKILL)
        killed = True
        try:
            psutil.Process(pid).wait(timeout=30)
        except psutil.NoSuchProcess:
            pass

    yield kill
    if killed or not server.status(neo4j_settings).running:
        server.start(neo4j_settings)


def kill_when(
    process: subprocess.Popen[str],
    reached: Callable[[], bool],
    kill: Callable[[], None],
    timeout: float = 300,
) -> None:
    """Poll until ``reached`` holds while ``process`` runs, then kill Neo4j under it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the command ended before the fault was injected: {process.communicate()}")
        try:
            if reached():
                kill()
                return
        except Exception:  # noqa: BLE001 - the graph is busy being written; ask again
            pass
        time.sleep(0.02)
    pytest.fail("the command never reached the point of the fault")


def products(executor: GraphExecutor) -> int:
    return graph_stats(executor).nodes.get("Product", 0)


def rejects_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


@pytest.fixture()
def fresh_graph(
    executor: GraphExecutor, ingest: Callable[..., object], context: SourceContext
) -> Callable[[Path], None]:
    """Empty the graph, then ingest a Myntra file into it."""

    def fresh(path: Path) -> None:
        clear_graph(executor)
        ingest(MyntraSource(context), path)

    return fresh


def restart_and_rerun(cli: Cli, neo4j_settings: Neo4jSettings, *args: str) -> Run:
    server.start(neo4j_settings)
    rerun = cli.run(*args)
    assert rerun.code == 0, rerun.err
    return rerun


def test_ingest_killed_neo4j_then_rerun_gives_the_uninterrupted_graph(
    cli: Cli,
    executor: GraphExecutor,
    demo_dir: Path,
    neo4j_settings: Neo4jSettings,
    restart_after: Callable[[], None],
) -> None:
    args = ("ingest", "myntra", str(demo_dir / "myntra_styles.csv"), "--batch-size", "10")
    reference = cli.run(*args, TAGGRAPH_STATE_DIR=str(cli.cwd / "reference-state"))
    assert reference.code == 0, reference.err
    expected = graph_stats(executor)
    clear_graph(executor)

    interrupted = cli.start(*args)
    kill_when(interrupted, lambda: products(executor) >= 300, restart_after)
    assert "error: " in finish(interrupted).err
    server.start(neo4j_settings)
    assert 300 <= products(executor) < expected.nodes["Product"]

    rerun = restart_and_rerun(cli, neo4j_settings, *args)
    assert "resum" in rerun.out.lower()
    assert graph_stats(executor) == expected


def test_tagging_killed_neo4j_then_rerun_gives_the_uninterrupted_proposals(
    cli: Cli,
    executor: GraphExecutor,
    fresh_graph: Callable[[Path], None],
    demo_dir: Path,
    neo4j_settings: Neo4jSettings,
    restart_after: Callable[[], None],
) -> None:
    catalog = demo_dir / "myntra_styles.csv"
    fresh_graph(catalog)
    tagger = train_tiny_tagger(
        executor, tiny_encoder_for(demo_dir / "myntra_styles.csv", cli.cwd / "encoder")
    )
    model = tagger.save(cli.cwd / "models" / "tagger" / "myntra")
    args = ("tag", "--model", str(model))
    paged = {"TAGGRAPH_PAGE_SIZE": "10"}
    assert cli.run(*args, TAGGRAPH_STATE_DIR=str(cli.cwd / "reference-state"), **paged).code == 0
    expected = (graph_stats(executor), tag_edge_counts(executor))
    assert expected[1].get(("tagger", "proposed"), 0) > 0

    fresh_graph(catalog)
    interrupted = Cli(cli.env | paged, cli.cwd).start(*args)
    kill_when(
        interrupted, lambda: tag_edge_counts(executor).get(("tagger", "proposed"), 0) > 0, restart_after
    )
    assert "error: " in finish(interrupted).err
    restart_and_rerun(Cli(cli.env | paged, cli.cwd), neo4j_settings, *args)
    assert (graph_stats(executor), tag_edge_counts(executor)) == expected


def test_embedding_write_killed_neo4j_then_rerun_gives_the_same_vectors(
    cli: Cli,
    executor: GraphExecutor,
    fresh_graph: Callable[[Path], None],
    demo_dir: Path,
    neo4j_settings: Neo4jSettings,
    restart_after: Callable[[], None],
) -> None:
    catalog = first_rows(demo_dir / "myntra_styles.csv", 1000, cli.cwd / "styles.csv")

    def args(out: str) -> tuple[str, ...]:
        return ("embed", "--epochs", "3", "--hidden", "16", "--batch-size", "1", "--out", str(cli.cwd / out))

    fresh_graph(catalog)
    assert cli.run(*args("reference")).code == 0
    expected_stats, expected_embedded = graph_stats(executor), embedding_counts(executor)
    assert expected_embedded["Product"][0] == 1000
    reference = np.load(cli.cwd / "reference" / "embeddings.npz")

    fresh_graph(catalog)
    interrupted = cli.start(*args("interrupted"))
    kill_when(interrupted, lambda: embedding_counts(executor)["Product"][0] >= 50, restart_after)
    assert "error: " in finish(interrupted).err
    assert not (cli.cwd / "interrupted" / "embeddings.npz").exists()
    rerun = restart_and_rerun(cli, neo4j_settings, *args("rerun"))
    assert "model loaded" in rerun.out
    embedded = embedding_counts(executor)
    assert graph_stats(executor) == expected_stats
    assert {label: count for label, (count, _) in embedded.items()} == {
        label: count for label, (count, _) in expected_embedded.items()
    }
    assert all(len(runs) == 1 for _, runs in embedded.values())  # the rerun's vectors everywhere
    again = np.load(cli.cwd / "rerun" / "embeddings.npz")
    np.testing.assert_array_equal(again["product_ids"], reference["product_ids"])
    np.testing.assert_allclose(again["product"], reference["product"], rtol=0, atol=1e-6)


def test_two_ingests_of_one_file_at_once_leave_no_duplicates(
    cli: Cli, executor: GraphExecutor, demo_dir: Path
) -> None:
    args = ("ingest", "flipkart", str(demo_dir / "flipkart.csv"), "--batch-size", "50")
    assert cli.run(*args, TAGGRAPH_STATE_DIR=str(cli.cwd / "reference-state")).code == 0
    expected = graph_stats(executor)
    rejects = cli.cwd / "rejects" / "flipkart.rejects.jsonl"
    expected_rejects = rejects_lines(rejects)
    clear_graph(executor)
    first, second = cli.start(*args), cli.start(*args)
    runs = [finish(first), finish(second)]
    assert [run.code for run in runs] == [0, 0], [run.err for run in runs]
    assert graph_stats(executor) == expected
    assert rejects_lines(rejects) == expected_rejects
    assert not list(rejects.parent.glob("*.partial"))


def test_a_full_disk_under_the_rejects_file_fails_clearly_and_leaves_no_partial_file(
    cli: Cli, executor: GraphExecutor, demo_dir: Path
) -> None:
    good = (demo_dir / "myntra_styles.csv").read_text(encoding="utf-8").splitlines()[:101]
    bad = [f"not-an-id-{n},Men,Apparel,Topwear,Shirts,Blue,Summer,2012,Casual,Shirt {n}" for n in range(300)]
    catalog = cli.cwd / "styles.csv"
    catalog.write_text("\n".join(good + bad) + "\n", encoding="utf-8")
    rejects = cli.cwd / "rejects" / "myntra.rejects.jsonl"
    args = ("ingest", "myntra", str(catalog), "--batch-size", "20")

    full = cli.run(*args, file_size_limit=8192)
    assert "cannot write the rejects file" in one_error_line(full) and "File too large" in full.err
    assert not rejects.exists() and not list(rejects.parent.glob("*.partial"))

    done = cli.run(*args)
    assert done.code == 0, done.err
    assert rejects_lines(rejects) == 300 and products(executor) == 100
    kept = rejects.read_bytes()
    assert "cannot write the rejects file" in one_error_line(cli.run(*args, file_size_limit=8192))
    assert rejects.read_bytes() == kept and not list(rejects.parent.glob("*.partial"))


def test_a_full_disk_under_a_model_leaves_the_earlier_model_whole(
    cli: Cli, executor: GraphExecutor, ingest, context: SourceContext, demo_dir: Path
) -> None:
    ingest(MyntraSource(context), first_rows(demo_dir / "myntra_styles.csv", 400, cli.cwd / "styles.csv"))
    encoder = tiny_encoder_for(demo_dir / "myntra_styles.csv", cli.cwd / "encoder")
    env = {"TAGGRAPH_ENCODER": str(encoder)}
    args = ("tagger", "train", "myntra", "--kind", "gender", "--epochs", "1", "--min-support", "3")
    assert cli.run(*args, **env).code == 0
    model = cli.cwd / "models" / "tagger" / "myntra"
    before = {path.name: path.read_bytes() for path in model.iterdir()}
    biggest = max(len(content) for content in before.values())

    full = Cli(cli.env | env, cli.cwd).run(*args, file_size_limit=biggest // 2)
    assert "cannot write the tagger model" in one_error_line(full) and "File too large" in full.err
    assert {path.name: path.read_bytes() for path in model.iterdir()} == before
    assert sorted(path.name for path in model.parent.iterdir()) == ["myntra"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("ingest", "myntra", "{demo}/myntra_styles.csv"), "cannot write the rejects file"),
        (("embed", "--out", str(UNWRITABLE / "embeddings")), "cannot write the embeddings"),
        (("export", str(UNWRITABLE / "export"), "--format", "parquet"), "cannot write"),
        (
            ("tagger", "train", "myntra", "--kind", "gender", "--out", str(UNWRITABLE / "m")),
            "cannot write the tagger",
        ),
    ],
)
def test_an_unwritable_folder_fails_before_anything_is_written(
    cli: Cli, executor: GraphExecutor, demo_dir: Path, args: tuple[str, ...], expected: str
) -> None:
    command = [arg.format(demo=demo_dir) for arg in args]
    before = graph_stats(executor)
    failed = cli.run(*command, TAGGRAPH_REJECTS_DIR=str(UNWRITABLE))
    assert expected in one_error_line(failed)
    assert graph_stats(executor) == before


@pytest.mark.parametrize("damage", ["truncate weights", "drop labels", "garbage config"])
def test_a_corrupt_tagger_is_refused_by_the_cli(
    cli: Cli, executor: GraphExecutor, ingest, context: SourceContext, demo_dir: Path, damage: str
) -> None:
    ingest(MyntraSource(context), first_rows(demo_dir / "myntra_styles.csv", 300, cli.cwd / "styles.csv"))
    tagger = train_tiny_tagger(
        executor, tiny_encoder_for(demo_dir / "myntra_styles.csv", cli.cwd / "encoder")
    )
    model = tagger.save(cli.cwd / "model")
    if damage == "truncate weights":
        weights = model / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:1000])
    elif damage == "drop labels":
        (model / "labels.json").unlink()
    else:
        (model / "config.json").write_text("{not json")
    before = tag_edge_counts(executor)
    message = one_error_line(cli.run("tag", "--model", str(model)))
    assert str(model) in message
    assert any(word in message for word in ("corrupt", "not a complete", "cannot load")), message
    assert tag_edge_counts(executor) == before


def test_a_corrupt_linker_index_is_refused_by_the_cli(
    cli: Cli, executor: GraphExecutor, tmp_path: Path
) -> None:
    index = tmp_path / "models" / "linker"
    index.mkdir(parents=True)
    (index / "linker.json").write_text("{}")
    (index / "faiss.index").write_bytes(b"\x00" * 64)
    generated = tmp_path / "generated.jsonl"
    generated.write_text('{"product_id": "myntra:1", "kind": "colour", "value": "navy", "score": 0.9}\n')
    message = one_error_line(cli.run("link", str(generated)))
    assert str(index) in message
    assert any(word in message for word in ("corrupt", "not a complete")), message

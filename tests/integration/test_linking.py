"""Extraction and linking against the real server: proposals, candidates, rejects, human decisions."""

import csv
import json
from pathlib import Path

import pytest

from taggraph.core.decisions import Decision, apply_decisions
from taggraph.core.entities import read_entities
from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.extractor.attributes import AttributeExample
from taggraph.encoders.extractor.training import ExtractorConfig, train_extractor
from taggraph.errors import InputError, LinkerIndexError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags, tag_edge_counts
from taggraph.jobs.cli import main
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.linking.build import LabelledQuery, build_linker
from taggraph.jobs.linking.run import UNKNOWN_PRODUCT, run_linking
from taggraph.linker.entities import vocabulary_version
from taggraph.linker.linker import Linker
from tests.support.catalog import MYNTRA_HEADER, first_rows
from tests.support.tiny_encoder import make_tiny_encoder

ROWS = 300


@pytest.fixture(scope="module")
def sample(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return first_rows(demo_dir / "myntra_styles.csv", ROWS, tmp_path_factory.mktemp("catalog") / "styles.csv")


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder()


@pytest.fixture()
def graph(ingest, executor: GraphExecutor, context: SourceContext, sample: Path) -> GraphExecutor:
    ingest(MyntraSource(context), sample)
    return executor


@pytest.fixture()
def linker(graph: GraphExecutor, embedder: TextEmbedder, tmp_path: Path) -> Linker:
    report = build_linker(graph, embedder, tmp_path / "index")
    assert report.entities == len(read_entities(graph)) and report.rebuilt
    return Linker.load(tmp_path / "index", embedder, vocabulary_version(read_entities(graph)))


def ids(executor: GraphExecutor, count: int) -> list[str]:
    rows = executor.read("read/product_id_page", source="myntra", after="", since=None, limit=count)
    return [row["id"] for row in rows]


def write_rows(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n")
    return path


def edges(executor: GraphExecutor, product_id: str) -> dict[str, dict[str, object]]:
    return {row["tag_id"]: row for row in product_tags(executor, product_id)}


def generated(products: list[str]) -> list[object]:
    return [
        {"product_id": products[0], "kind": "colour", "value": "navy blue", "score": 0.9, "model": "m1"},
        {"product_id": products[1], "kind": "colour", "value": "Navy blu", "score": 0.8, "model": "m1"},
        {"product_id": products[2], "kind": "colour", "value": "Tartan Zebra Stripe", "score": 0.7},
        {"product_id": products[3], "kind": "gender", "value": "MEN", "score": 0.95},
        {"product_id": products[3], "kind": "gender", "value": "men"},  # duplicate
        {"product_id": "myntra:1'})DETACH_DELETE(p)//", "kind": "colour", "value": "red"},  # unknown
        {"product_id": products[4], "kind": "category", "value": "Shirts"},
        {"product_id": products[4], "kind": "colour", "value": "  \u0000  "},
        {"product_id": products[4], "kind": "colour", "value": "?!?"},
        {"product_id": products[4], "kind": "colour) DETACH DELETE (n", "value": "red"},
        "{broken json",
    ]


def test_linking_writes_proposals_and_candidates_and_rejects_the_rest(
    graph: GraphExecutor, linker: Linker, tmp_path: Path
) -> None:
    products = ids(graph, 5)
    catalog = tag_edge_counts(graph)[("catalog", "approved")]
    path = write_rows(tmp_path / "generated.jsonl", generated(products))
    report = run_linking(graph, linker, path, tmp_path / "rejects.jsonl", tmp_path / "state", page_size=2)
    assert report.rows == 11 and report.accepted == 4
    assert report.accepted + sum(report.rejected.values()) == report.rows
    assert report.rejected[UNKNOWN_PRODUCT] == 1
    rejected_rows = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert sorted(entry["row"] for entry in rejected_rows) == [5, 6, 7, 8, 9, 10, 11]
    assert report.methods["nil"] == 1 and report.candidates == 1

    navy = edges(graph, products[1])["tag:colour:navy-blue"]
    if navy["source"] == "extractor":
        assert navy["status"] == "proposed" and navy["surface"] == "Navy blu"
    candidate = graph.read("read/product_tags", product_id=products[2])
    zebra = next(row for row in candidate if row["tag_id"] == "tag:colour:tartan-zebra-stripe")
    assert zebra["source"] == "extractor" and zebra["status"] == "proposed"
    tag = graph.read("read/tag", tag_id="tag:colour:tartan-zebra-stripe")[0]
    assert (
        tag["status"] == "candidate"
        and tag["kind"] == "colour"
        and tag["surfaces"] == ["Tartan Zebra Stripe"]
    )
    assert tag["suggested_ids"] and all(found.startswith("tag:colour:") for found in tag["suggested_ids"])
    assert tag_edge_counts(graph)[("catalog", "approved")] == catalog
    assert graph.read("read/label_counts")  # the hostile kind wrote nothing and broke nothing

    again = run_linking(graph, linker, path, tmp_path / "rejects.jsonl", tmp_path / "state")
    assert again.proposals == report.proposals
    assert tag_edge_counts(graph).get(("extractor", "proposed")) == report.proposals
    run = graph.read("read/model_run", id=again.run_id)[0]
    assert run["kind"] == "linking" and run["status"] == "finished"


def test_human_decisions_survive_a_relink(graph: GraphExecutor, linker: Linker, tmp_path: Path) -> None:
    products = ids(graph, 5)
    path = write_rows(tmp_path / "generated.jsonl", generated(products))
    run_linking(graph, linker, path, tmp_path / "rejects.jsonl", tmp_path / "state")
    apply_decisions(graph, [Decision("reject", "tag:colour:tartan-zebra-stripe", products[2])], "ana")
    apply_decisions(graph, [Decision("approve", "tag:gender:men", products[3])], "ben")
    run_linking(graph, linker, path, tmp_path / "rejects.jsonl", tmp_path / "state")
    rejected = edges(graph, products[2])["tag:colour:tartan-zebra-stripe"]
    assert (rejected["source"], rejected["status"], rejected["reviewer"]) == ("human", "rejected", "ana")
    approved = edges(graph, products[3])["tag:gender:men"]
    assert (approved["source"], approved["status"], approved["reviewer"]) == ("human", "approved", "ben")


def test_interrupted_linking_resumes_to_the_same_graph(
    graph: GraphExecutor, linker: Linker, tmp_path: Path
) -> None:
    products = ids(graph, 40)
    rows = [
        {"product_id": p, "kind": "colour", "value": f"shade {i} of grey"} for i, p in enumerate(products)
    ]
    path = write_rows(tmp_path / "generated.jsonl", rows)

    def crash_after_two_pages(count: int, pages: list[int] = []) -> None:  # noqa: B006
        pages.append(count)
        if len(pages) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_linking(graph, linker, path, tmp_path / "r.jsonl", tmp_path / "state", page_size=10,
                    on_page=crash_after_two_pages)  # fmt: skip
    resumed = run_linking(graph, linker, path, tmp_path / "r.jsonl", tmp_path / "state", page_size=10)
    assert resumed.resumed_after == 20
    complete = tag_edge_counts(graph)[("extractor", "proposed")]
    fresh = run_linking(graph, linker, path, tmp_path / "r.jsonl", tmp_path / "fresh", page_size=10)
    assert fresh.resumed_after == 0 and tag_edge_counts(graph)[("extractor", "proposed")] == complete == 40


def test_a_changed_graph_refuses_the_index_until_it_is_updated(
    graph: GraphExecutor, embedder: TextEmbedder, ingest, context: SourceContext, tmp_path: Path
) -> None:
    build_linker(graph, embedder, tmp_path / "index")
    more = tmp_path / "more.csv"
    more.write_text(
        MYNTRA_HEADER + "\n900001,Men,Apparel,Topwear,Tshirts,Ultraviolet,Fall,2011,Casual,UV Tee\n"
    )
    ingest(MyntraSource(context), more)
    version = vocabulary_version(read_entities(graph))
    with pytest.raises(LinkerIndexError, match="taggraph linker build"):
        Linker.load(tmp_path / "index", embedder, version)
    update = build_linker(graph, embedder, tmp_path / "index")
    assert update.rebuilt == "" and update.added == 1
    linker = Linker.load(tmp_path / "index", embedder, version)
    assert linker.link(["ultraviolet"], ["colour"])[0].entity_id == "tag:colour:ultraviolet"
    full = build_linker(graph, embedder, tmp_path / "index", full=True)
    assert full.rebuilt and full.entities == update.entities
    with pytest.raises(InputError, match="lacks"):
        build_linker(
            graph, embedder, tmp_path / "index", labelled=[LabelledQuery("x", "colour", "tag:colour:nope")]
        )
    labelled = [
        LabelledQuery("navy blu", "colour", "tag:colour:navy-blue"),
        LabelledQuery("blakc", "colour", "tag:colour:black"),
        LabelledQuery("wmen", "gender", "tag:gender:women"),
        LabelledQuery("tartan plaid", "colour", None),
        LabelledQuery("octarine", "colour", None),
    ]
    tuned = build_linker(graph, embedder, tmp_path / "index", labelled=labelled)
    assert tuned.tuned_on == "5 labelled queries" and tuned.rebuilt == ""


def tiny_extractor(sample: Path, path: Path) -> Path:
    with sample.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    examples = []
    for row in rows:
        title, colour = row["productDisplayName"], row["baseColour"]
        examples.append(
            AttributeExample(
                title,
                row["articleType"],
                {"Color": (colour,) if colour and colour in title else (), "Gender": (row["gender"],)},
            )
        )
    encoder = make_tiny_encoder(path / "encoder", [e.text for e in examples] + [e.category for e in examples])
    config = ExtractorConfig(epochs=3, batch_size=32, encoder_lr=2e-3, head_lr=1e-2, max_length=32)
    extractor, _ = train_extractor(str(encoder), examples[:250], examples[250:], config)
    return extractor.save(path / "extractor")


def test_extract_then_link_from_the_command_line(
    graph: GraphExecutor, sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("TAGGRAPH_REJECTS_DIR", str(tmp_path / "rejects"))
    monkeypatch.setenv("TAGGRAPH_STATE_DIR", str(tmp_path / "state"))
    model = tiny_extractor(sample, tmp_path)
    out = tmp_path / "generated" / "myntra.jsonl"
    assert main(["extract", "myntra", "--model", str(model), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and {row["kind"] for row in rows} <= {"colour", "gender"}
    keys = [(row["product_id"], row["kind"], row["value"].casefold()) for row in rows]
    assert len(keys) == len(set(keys))
    assert main(["linker", "build", "--index", str(tmp_path / "index")]) == 0
    assert main(["link", str(out), "--index", str(tmp_path / "index")]) == 0
    printed = capsys.readouterr().out
    assert f"{len(rows):,} rows = " in printed
    assert tag_edge_counts(graph).get(("extractor", "proposed"), 0) > 0
    assert main(["link", str(tmp_path / "absent.jsonl"), "--index", str(tmp_path / "index")]) == 1
    assert main(["link", str(out), "--index", str(tmp_path / "no-index")]) == 1
    assert "no linker index" in capsys.readouterr().err

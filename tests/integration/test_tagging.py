"""Training from the graph and writing proposals to it, on a tiny encoder and the real server."""

from pathlib import Path

import pytest

from taggraph.core.decisions import Decision, apply_decisions
from taggraph.core.labelled_products import read_labelled_products
from taggraph.core.vocabulary import TaggerJob, check_vocabulary
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.errors import InputError, ModelArtifactError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags, tag_edge_counts
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.runs import run_started_at
from taggraph.jobs.tagging.proposals import TEXT_TOO_LONG, UNKNOWN_ID, run_tagging
from taggraph.jobs.tagging.training import load_splits
from tests.support.catalog import MYNTRA_HEADER, first_rows
from tests.support.tagging import tiny_encoder_for, train_tiny_tagger

ROWS = 400


@pytest.fixture(scope="module")
def sample(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return first_rows(demo_dir / "myntra_styles.csv", ROWS, tmp_path_factory.mktemp("catalog") / "styles.csv")


@pytest.fixture(scope="module")
def encoder(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_encoder_for(sample, tmp_path_factory.mktemp("encoder"))


@pytest.fixture()
def tagger(ingest, executor: GraphExecutor, context: SourceContext, sample: Path, encoder: Path) -> Tagger:
    ingest(MyntraSource(context), sample)
    return train_tiny_tagger(executor, encoder)


def product_ids(executor: GraphExecutor, limit: int) -> list[str]:
    rows = executor.read("read/product_id_page", source="myntra", after="", since=None, limit=limit)
    return [row["id"] for row in rows]


def proposed(executor: GraphExecutor) -> int:
    return tag_edge_counts(executor).get(("tagger", "proposed"), 0)


def test_tagging_writes_proposals_and_leaves_catalog_edges(
    executor: GraphExecutor, tagger: Tagger, tmp_path: Path
) -> None:
    catalog_before = tag_edge_counts(executor)[("catalog", "approved")]
    check_vocabulary(executor, tagger)
    report = run_tagging(executor, tagger, tmp_path / "state", page_size=128)
    assert report.scored == ROWS
    assert report.proposed == proposed(executor) > 0
    assert tag_edge_counts(executor)[("catalog", "approved")] == catalog_before
    again = run_tagging(executor, tagger, tmp_path / "state", page_size=128)
    assert again.proposed == report.proposed == proposed(executor)
    run = executor.read("read/model_run", id=report.run_id)[0]
    assert run["kind"] == "tagging" and run["status"] == "finished"


def test_human_decisions_survive_a_retag(executor: GraphExecutor, tagger: Tagger, tmp_path: Path) -> None:
    run_tagging(executor, tagger, tmp_path / "state")
    first = proposed(executor)
    ids = product_ids(executor, ROWS)
    tagged = [(pid, row) for pid in ids for row in product_tags(executor, pid) if row["source"] == "tagger"]
    (rejected_product, rejected), (approved_product, approved) = tagged[0], tagged[-1]
    apply_decisions(
        executor,
        [
            Decision("reject", rejected["tag_id"], rejected_product),
            Decision("approve", approved["tag_id"], approved_product),
        ],
        "ana",
    )
    run_tagging(executor, tagger, tmp_path / "state")
    after = {row["tag_id"]: row for row in product_tags(executor, rejected_product)}
    assert after[rejected["tag_id"]]["source"] == "human"
    assert after[rejected["tag_id"]]["status"] == "rejected"
    after = {row["tag_id"]: row for row in product_tags(executor, approved_product)}
    assert after[approved["tag_id"]]["status"] == "approved"
    assert after[approved["tag_id"]]["reviewer"] == "ana"
    assert proposed(executor) == first - 2


def test_interrupted_tagging_resumes_to_the_same_graph(
    executor: GraphExecutor, tagger: Tagger, tmp_path: Path
) -> None:
    complete = run_tagging(executor, tagger, tmp_path / "complete", page_size=100)
    expected = proposed(executor)

    def crash_after_two_pages(count: int, pages: list[int] = []) -> None:  # noqa: B006
        pages.append(count)
        if len(pages) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tagging(executor, tagger, tmp_path / "state", page_size=100, on_page=crash_after_two_pages)
    resumed = run_tagging(executor, tagger, tmp_path / "state", page_size=100)
    assert resumed.resumed_after != ""
    assert resumed.scored == complete.scored - 200
    assert proposed(executor) == expected


def test_a_changed_vocabulary_refuses_the_model(
    executor: GraphExecutor, tagger: Tagger, ingest, context: SourceContext, tmp_path: Path
) -> None:
    path = tmp_path / "more.csv"
    rows = [
        f"{900000 + i},Men,Apparel,Topwear,Spacesuits,Blue,Fall,2011,Casual,Orbital Spacesuit {i}"
        for i in range(40)
    ]
    path.write_text(MYNTRA_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ingest(MyntraSource(context), path)
    with pytest.raises(ModelArtifactError, match="vocabulary changed.*article_type:Spacesuits"):
        check_vocabulary(executor, tagger)


def test_scope_by_ids_and_by_change_with_counted_skips(
    executor: GraphExecutor, tagger: Tagger, ingest, context: SourceContext, sample: Path, tmp_path: Path
) -> None:
    first = run_tagging(executor, tagger, tmp_path / "state")
    ids = product_ids(executor, 3)
    hostile = ["myntra:no-such-product", "flipkart:1", "myntra:1' OR '1'='1", "myntra:" + "9" * 10_000, ""]
    report = run_tagging(executor, tagger, tmp_path / "state", ids=[*ids, *hostile, ids[0]])
    assert report.scored == 3
    assert report.skipped[UNKNOWN_ID] == len(hostile)
    with pytest.raises(InputError, match="none of the 5 ids is a product of source 'myntra'"):
        run_tagging(executor, tagger, tmp_path / "state", ids=hostile)
    short = run_tagging(executor, tagger, tmp_path / "state", ids=ids, max_text_chars=10)
    assert short.scored + short.skipped[TEXT_TOO_LONG] == 3 and short.skipped[TEXT_TOO_LONG] > 0

    lines = sample.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    fields[-1] = "Renamed " + fields[-1]
    changed = tmp_path / "changed.csv"
    changed.write_text(
        lines[0] + "\n" + ",".join(fields) + "\n" + "\n".join(lines[2:]) + "\n", encoding="utf-8"
    )
    ingest(MyntraSource(context), changed)
    since = run_started_at(executor, first.run_id)
    assert run_tagging(executor, tagger, tmp_path / "state", since=since).scored == 1


def test_too_few_products_for_every_split_is_a_clear_error(
    executor: GraphExecutor, ingest, context: SourceContext, tmp_path: Path
) -> None:
    path = tmp_path / "few.csv"
    rows = [f"{i},Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Blue Shirt {i}" for i in range(3)]
    path.write_text(MYNTRA_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ingest(MyntraSource(context), path)
    job = TaggerJob("myntra", ("colour",), min_support=1)
    with pytest.raises(InputError, match="split.*empty"):
        load_splits(executor, job)


def test_a_product_with_proposed_brands_is_read_once_without_them(
    ingest, executor: GraphExecutor, context: SourceContext, sample: Path
) -> None:
    ingest(MyntraSource(context), sample)
    product = product_ids(executor, 1)[0]
    executor.write(
        "write/brands", rows=[{"id": "brand:acme", "name": "Acme"}, {"id": "brand:zeta", "name": "Zeta"}]
    )
    proposals = [
        {"entity_id": b, "score": 0.9, "link_score": 0.9, "surface": b, "model": "m"}
        for b in ("brand:acme", "brand:zeta")
    ]
    executor.write(
        "write/extractor_proposals",
        rows=[{"product_id": product, "tags": [], "brands": proposals}],
        source="extractor",
        run="run-1",
    )
    products = [p for page in read_labelled_products(executor, "myntra", False) for p in page]
    assert len(products) == len({p.id for p in products}) == ROWS
    labels = next(p for p in products if p.id == product).positives
    assert not any(label.startswith("brand:") for label in labels)
    assert len(executor.read("read/product", product_id=product)) == 1

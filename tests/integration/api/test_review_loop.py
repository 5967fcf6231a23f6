"""Decisions made through the API flow back: into tagger training data and into the linker."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from taggraph.core.entities import read_entities
from taggraph.core.labelled_products import LabelledProduct, read_labelled_products
from taggraph.core.vocabulary import TaggerJob
from taggraph.encoders.embedder import TextEmbedder
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import product_tags
from taggraph.jobs.linking.build import build_linker
from taggraph.jobs.tagging.dataset import dataset_hash
from taggraph.linker.entities import vocabulary_version
from taggraph.linker.linker import Linker
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import REVIEW, ready_client
from tests.support.review import CANDIDATE, SHIRT, WHITE_SHIRT, add_review_work


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder()


@pytest.fixture(scope="module")
def index_before(
    catalog_graph: GraphExecutor, embedder: TextEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The linker index as it was built before the review."""
    path = tmp_path_factory.mktemp("linker") / "index"
    build_linker(catalog_graph, embedder, path)
    return path


@pytest.fixture(scope="module")
def reviewed(
    catalog_graph: GraphExecutor, index_before: Path, neo4j_settings: Neo4jSettings
) -> Iterator[GraphExecutor]:
    """A review batch through the API: approve a proposal, reject a catalog tag, merge a candidate."""
    session_executor = catalog_graph
    add_review_work(session_executor)
    white_colour = "tag:colour:white"
    assert product_tags(session_executor, WHITE_SHIRT)
    catalog_colour = next(
        row["tag_id"] for row in product_tags(session_executor, WHITE_SHIRT) if row["kind"] == "colour"
    )
    assert catalog_colour != white_colour
    decisions = [
        {"action": "approve", "product_id": SHIRT, "tag_id": "tag:usage:formal"},
        {"action": "reject", "product_id": WHITE_SHIRT, "tag_id": catalog_colour},
        {"action": "approve", "product_id": WHITE_SHIRT, "tag_id": white_colour},
        {"action": "merge", "tag_id": CANDIDATE, "into_id": "tag:colour:navy-blue"},
    ]
    with ready_client(None, neo4j_settings) as client:
        answer = client.post("/v1/review/decisions", headers=REVIEW, json={"decisions": decisions})
        assert answer.status_code == 200 and answer.json()["applied"] == 4, answer.text
    yield session_executor


def myntra(executor: GraphExecutor, reviewed: bool) -> dict[str, LabelledProduct]:
    pages = read_labelled_products(executor, "myntra", False, reviewed=reviewed)
    return {product.id: product for page in pages for product in page}


def test_training_data_takes_decisions_only_with_include_reviewed(reviewed: GraphExecutor) -> None:
    catalog, with_reviews = myntra(reviewed, False), myntra(reviewed, True)
    assert "usage:Formal" not in catalog[SHIRT].positives
    assert "usage:Formal" in with_reviews[SHIRT].positives
    white = with_reviews[WHITE_SHIRT]
    assert "colour:White" in white.positives
    assert white.negatives and not white.negatives & white.positives
    assert not catalog[WHITE_SHIRT].negatives and "colour:White" not in catalog[WHITE_SHIRT].positives
    assert catalog[WHITE_SHIRT].positives - {"colour:White"} >= white.positives - {"colour:White"}
    untouched = set(catalog) - {SHIRT, WHITE_SHIRT}
    assert all(catalog[i] == with_reviews[i] for i in untouched)
    assert dataset_hash(list(catalog.values())) != dataset_hash(list(with_reviews.values()))


def test_a_model_remembers_whether_it_learnt_from_reviews() -> None:
    job = TaggerJob("myntra", ("colour",), include_reviewed=True)
    meta = {"source": "myntra", "kinds": ["colour"], "with_description": False, "min_support": 5}
    assert TaggerJob.of_model(meta | {"include_reviewed": True}) == job
    assert not TaggerJob.of_model(meta | {"include_reviewed": False}).include_reviewed


def test_a_merged_candidate_is_an_alias_the_next_linker_build_links(
    reviewed: GraphExecutor, index_before: Path, embedder: TextEmbedder
) -> None:
    before = Linker.load(index_before, embedder)
    assert before.link(["navvy blue"], ["colour"])[0].method != "alias"
    report = build_linker(reviewed, embedder, index_before)
    assert "changed" in report.rebuilt  # navy blue's aliases changed: the index is rebuilt
    linker = Linker.load(index_before, embedder, vocabulary_version(read_entities(reviewed)))
    [result] = linker.link(["navvy blue"], ["colour"])
    assert (result.entity_id, result.method) == ("tag:colour:navy-blue", "alias")

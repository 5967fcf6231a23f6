"""The entity index and the linking decision, with the packaged MiniLM and real FAISS."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

from taggraph.encoders.embedder import TextEmbedder
from taggraph.errors import LinkerIndexError
from taggraph.jobs.ingest.fields import RowError
from taggraph.jobs.linking.run import GeneratedTag, _page_rows, parse_generated_tag
from taggraph.linker.entities import Entity, vocabulary_version
from taggraph.linker.index import HNSW, EntityIndex
from taggraph.linker.linker import ALIAS, INVALID, NIL, SEARCH, Linker, LinkResult
from taggraph.linker.scoring import LinkScorer
from taggraph.linker.text import codes, normalise
from taggraph.linker.tuning import graph_tuning_set, perturb

ENTITIES = [
    Entity("tag:colour:navy-blue", "colour", "Navy Blue"),
    Entity("tag:colour:red", "colour", "Red"),
    Entity("tag:colour:olive", "colour", "Olive"),
    Entity("tag:colour:off-white", "colour", "Off White"),
    Entity("tag:material:cotton", "material", "Cotton", ("cotton blend",)),
    Entity("tag:material:leather", "material", "Leather"),
    Entity("tag:gender:men", "gender", "Men", ("mens", "male")),
    Entity("tag:gender:women", "gender", "Women"),
    Entity("brand:red-tape", "brand", "Red Tape"),
    Entity("brand:nike", "brand", "Nike"),
]


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder()


@pytest.fixture(scope="module")
def linker(embedder: TextEmbedder) -> Linker:
    return Linker(EntityIndex.build(ENTITIES, embedder), embedder, LinkScorer.untrained())


def test_normalise_and_codes() -> None:
    assert normalise("  Navy-Blue\t") == "navy blue"
    assert normalise("\x00\x01") == ""
    assert normalise("КРАСНЫЙ") == "красный"
    assert codes("Yamaha RX-V663BK receiver 7.1") == {"rxv663bk"}


def test_alias_links_exactly_and_respects_the_kind(linker: Linker) -> None:
    results = linker.link(["navy  BLUE", "MALE", "red", "red"], ["colour", "gender", "colour", "brand"])
    assert [(r.entity_id, r.method) for r in results[:3]] == [
        ("tag:colour:navy-blue", ALIAS),
        ("tag:gender:men", ALIAS),
        ("tag:colour:red", ALIAS),
    ]
    assert results[3].entity_id in (None, "brand:red-tape")
    assert results[3].candidates
    assert all(candidate.startswith("brand:") for candidate, _ in results[3].candidates)


def test_search_candidates_stay_within_the_kind(linker: Linker) -> None:
    for kind in ("colour", "material", "gender", "brand"):
        for result in linker.link(["navy blu", "leathr", "womens", "Nikee"], [kind] * 4):
            assert all(next(e for e in ENTITIES if e.id == c).kind == kind for c, _ in result.candidates)
    assert linker.link(["blue"], ["season"])[0].method == NIL


def test_misspelt_values_link_and_unrelated_ones_are_nil(linker: Linker) -> None:
    linked, unrelated = linker.link(["Navy blu", "purple polka"], ["colour", "colour"])
    assert linked.entity_id == "tag:colour:navy-blue" and linked.method == SEARCH
    assert unrelated.method == NIL and unrelated.entity_id is None
    assert unrelated.candidates and all(0 <= score <= 1 for _, score in unrelated.candidates)


def test_bad_surfaces_are_invalid_never_linked(linker: Linker) -> None:
    surfaces = ["", "   ", "\x00\x01\x02", "x" * 201, "?!", 42]
    results = linker.link(surfaces, ["colour"] * len(surfaces))  # type: ignore[arg-type]
    assert [r.method for r in results] == [INVALID] * len(surfaces)
    assert all(r.entity_id is None and r.reason for r in results)
    assert linker.link(["赤", "أحمر"], ["colour", "colour"])[0].method in (NIL, SEARCH)
    with pytest.raises(ValueError):
        linker.link(["a"], ["colour", "colour"])


def test_index_round_trip_and_refusals(linker: Linker, embedder: TextEmbedder, tmp_path: Path) -> None:
    path = linker.save(tmp_path / "index")
    version = vocabulary_version(ENTITIES)
    loaded = Linker.load(path, embedder, version)
    surfaces = ["navy blu", "leathr", "nikee"]
    assert [r.entity_id for r in loaded.link(surfaces)] == [r.entity_id for r in linker.link(surfaces)]
    with pytest.raises(LinkerIndexError, match="entities changed"):
        Linker.load(path, embedder, vocabulary_version(ENTITIES[:-1]))
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "model": "another-encoder:123"}))
    with pytest.raises(LinkerIndexError, match="built with the encoder another-encoder"):
        Linker.load(path, embedder, version)
    (path / "meta.json").write_text(json.dumps({**meta, "entities": 3}))
    with pytest.raises(LinkerIndexError, match="corrupt"):
        Linker.load(path, embedder, version)
    (path / "index.faiss").write_bytes(b"not an index")
    with pytest.raises(LinkerIndexError, match="corrupt"):
        Linker.load(path, embedder, version)
    (path / "entities.jsonl").unlink()
    with pytest.raises(LinkerIndexError, match="missing entities.jsonl"):
        Linker.load(path, embedder, version)
    with pytest.raises(LinkerIndexError, match="no linker index"):
        Linker.load(tmp_path / "absent", embedder)


def test_adding_entities_links_them(embedder: TextEmbedder) -> None:
    linker = Linker(EntityIndex.build(ENTITIES[:4], embedder), embedder, LinkScorer.untrained())
    assert linker.link(["leather"], ["material"])[0].method == NIL
    assert linker.add(ENTITIES) == len(ENTITIES) - 4
    assert linker.add(ENTITIES) == 0
    assert linker.link(["leather"], ["material"])[0].entity_id == "tag:material:leather"
    assert linker.index.meta.vocabulary_version == vocabulary_version(ENTITIES)


def test_hnsw_index_finds_the_same_entities(embedder: TextEmbedder) -> None:
    exact = EntityIndex.build(ENTITIES, embedder)
    hnsw = EntityIndex.build(ENTITIES, embedder, exact_max=2)
    assert hnsw.meta.index_type == HNSW
    queries = embedder.embed(["navy", "leather shoes", "nike"])
    assert (exact.search(queries, 3)[1] == hnsw.search(queries, 3)[1]).all()
    _, positions = hnsw.search(queries, 3, kind="brand")
    assert {ENTITIES[p].kind for p in positions.ravel() if p >= 0} == {"brand"}


def test_repeated_ids_are_refused(embedder: TextEmbedder) -> None:
    with pytest.raises(LinkerIndexError, match="repeat"):
        EntityIndex.build([ENTITIES[0], ENTITIES[0]], embedder)


def test_tuning_set_holds_out_entities_as_nil() -> None:
    entities = [Entity(f"tag:colour:c{i}", "colour", f"colour number {i} shade") for i in range(200)]
    tuning = graph_tuning_set(entities)
    indexed = {entity.id for entity in tuning.indexed}
    assert 0 < len(indexed) < len(entities)
    assert all(gold is None or gold in indexed for gold in tuning.gold)
    nil = [surface for surface, gold in zip(tuning.surfaces, tuning.gold, strict=True) if gold is None]
    assert len(nil) == len(entities) - len(indexed)


def test_tuned_scorer_separates_links_from_nil(linker: Linker) -> None:
    rng = random.Random(3)
    surfaces = [perturb(e.name, "typo", rng) or e.name for e in ENTITIES] + [
        "purple",
        "silk",
        "kids",
        "adidas",
    ]
    kinds = [e.kind for e in ENTITIES] + ["colour", "material", "gender", "brand"]
    gold = [e.id for e in ENTITIES] + [None] * 4
    scorer = linker.tune(surfaces, kinds, gold)
    assert 0 < scorer.threshold < 1
    assert LinkScorer.from_json(scorer.to_json()).threshold == scorer.threshold
    with pytest.raises(ValueError, match="features"):
        LinkScorer.from_json({**scorer.to_json(), "features": ["dense"]})


def test_perturbations() -> None:
    rng = random.Random(0)
    assert perturb("navy blue", "word order", rng) == "blue navy"
    assert perturb("red", "word order", rng) is None
    assert perturb("polyester blend", "abbreviation", rng) == "poly. blend"
    typo = perturb("leather", "typo", rng)
    assert typo != "leather" and sorted(typo or "") == sorted("leather")
    with pytest.raises(ValueError):
        perturb("x", "shout", rng)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"kind": "colour", "value": "red"}, "missing product_id"),
        ({"product_id": "a b", "kind": "colour", "value": "red"}, "whitespace"),
        ({"product_id": "p:1", "kind": "Colour!", "value": "red"}, "not a tag kind"),
        ({"product_id": "p:1", "kind": "category", "value": "Shirts"}, "category links"),
        ({"product_id": "p:1", "kind": "colour"}, "missing value"),
        ({"product_id": "p:1", "kind": "colour", "value": "x" * 201}, "more than the limit"),
        ({"product_id": "p:1", "kind": "colour", "value": "red", "score": 2}, "above 1"),
        ({"product_id": "p:1", "kind": "colour", "value": "red", "score": "high"}, "not a number"),
        ({"product_id": "p:1", "kind": "colour", "value": "re\x00d"}, "NUL"),
        ({"product_id": ["p:1"], "kind": "colour", "value": "red"}, "expected text"),
    ],
)
def test_generated_tag_rows_are_checked(row: dict[str, object], reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        parse_generated_tag(row, 200)


def test_generated_tag_defaults() -> None:
    tag = parse_generated_tag({"product_id": "p:1", "kind": "colour", "value": " Navy\tBlue "}, 200)
    assert (tag.value, tag.score, tag.model) == ("Navy Blue", 1.0, "unknown")
    assert np.isclose(
        parse_generated_tag({"product_id": 7, "kind": "k", "value": "v", "score": "0.5"}, 200).score, 0.5
    )


def test_candidates_come_from_embeddings_and_character_ngrams(embedder: TextEmbedder) -> None:
    names = [f"Shade {i}" for i in range(40)] + ["Navy Blue"]
    entities = [Entity(f"tag:colour:e{i}", "colour", name) for i, name in enumerate(names)]
    linker = Linker(EntityIndex.build(entities, embedder), embedder, LinkScorer.untrained(), k=2)
    found = linker.candidates(["Nvay Bleu"], ["colour"])
    assert found.positions.shape == (1, 4)
    assert len(entities) - 1 in found.positions[0]
    dense = linker.index.similarity(embedder.embed(["Navy Blue"]), np.array([[len(entities) - 1, -1]]))
    assert dense[0, 0] == pytest.approx(1.0, abs=1e-5) and dense[0, 1] == -np.inf


def test_a_linked_proposal_keeps_the_other_nearest_entities_and_a_nil_one_makes_a_candidate() -> None:
    nearest = [("tag:colour:navy-blue", 0.91), ("tag:colour:blue", 0.4), ("tag:colour:teal", 0.1)]
    linked = LinkResult("navy blu", "colour", "tag:colour:navy-blue", 0.91, "search", "", nearest)
    nil = LinkResult("zebra", "colour", None, 0.2, "nil", "", [("tag:colour:white", 0.2)])
    page = [GeneratedTag("p:1", "colour", "navy blu", 0.5), GeneratedTag("p:2", "colour", "zebra", 0.9)]
    candidates, rows = _page_rows(page, [linked, nil])
    first = rows[0]["tags"][0]
    assert first["entity_id"] == "tag:colour:navy-blue"
    assert first["nearest_ids"] == ["tag:colour:blue", "tag:colour:teal"] and first["nearest_scores"] == [
        0.4,
        0.1,
    ]
    assert rows[1]["tags"][0]["nearest_ids"] == []  # a candidate's suggestions live on the candidate
    assert candidates[0]["suggested_ids"] == ["tag:colour:white"]

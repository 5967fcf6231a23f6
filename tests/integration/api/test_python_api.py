"""The Python API: the example of docs/python-api.md runs as written, and each call answers as the CLI."""

import re
from pathlib import Path

import pytest

import taggraph
from taggraph.core.labelled_products import split_of
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import graph_stats
from taggraph.jobs.ingest.records import slug

DOC = Path(__file__).resolve().parents[3] / "docs" / "python-api.md"


def slug_label(label: str) -> str:
    kind, name = label.split(":", 1)
    return f"{kind}:{slug(name)}"


def doc_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_the_documented_example_runs(
    catalog_graph: GraphExecutor, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGGRAPH_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("TAGGRAPH_TAGGER_PRECISION", "fp32")  # to compare with the saved model's scores
    names: dict = {}
    exec(compile(doc_example(), str(DOC), "exec"), names)  # noqa: S102 - the project's own document

    nodes, edges, data, ids = names["nodes"], names["edges"], names["data"], names["ids"]
    stats = graph_stats(catalog_graph)
    products = nodes[nodes.type == "product"]
    assert len(products) == stats.nodes["Product"]
    assert list(products.split) == [split_of(product) for product in products.id]
    assert len(edges) == sum(
        stats.relationships.get(kind, 0)
        for kind in ("HAS_TAG", "IN_CATEGORY", "SUBCATEGORY_OF", "HAS_BRAND", "INTERACTED")
    )
    assert {"source", "status", "score", "updated_at", "ts", "kind", "weight"} <= set(edges.columns)
    myntra = [node for node, values in names["graph"].nodes(data=True) if values["type"] == "product"]
    assert myntra and all(node.startswith("myntra:") for node in myntra)
    assert ids["product"] == list(products.id)
    assert int(data["product"].train_mask.sum()) == int((products.split == "train").sum())

    tags = names["tags"][0]
    expected = Tagger.load(models_dir / "tagger" / "myntra").predict(["Nike Men Navy Blue Running Shoes"])[0]
    assert [(tag["label"], round(tag["score"], 5)) for tag in tags] == [
        (label, round(score, 5)) for label, score in expected
    ]
    assert tags and all(tag["tag_id"] == "tag:" + slug_label(tag["label"]) for tag in tags)
    links = names["links"]
    assert links[0]["entity_id"] == "tag:colour:navy-blue" and links[0]["method"] != "nil"
    nike_in_graph = "brand:nike" in set(nodes.id)
    assert links[1]["entity_id"] == ("brand:nike" if nike_in_graph else None)  # NIL when it is not
    assert list(names["vectors"].columns) == ["id", "embedding", "run"]


def test_calls_that_cannot_be_answered_say_why(
    catalog_graph: GraphExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGGRAPH_MODELS_DIR", str(tmp_path / "no-models"))
    with taggraph.connect() as tg:
        with pytest.raises(InputError, match="taggraph tagger train"):
            tg.tag(["a shirt"])
        with pytest.raises(InputError, match="linker"):
            tg.link(["navy"])
        with pytest.raises(InputError, match="product and tag"):
            tg.embeddings("user")
        with pytest.raises(InputError, match="no product of nowhere"):
            tg.to_pandas(sources=["nowhere"])
    with pytest.raises(AttributeError):
        taggraph.disconnect  # noqa: B018 - the package exposes connect alone

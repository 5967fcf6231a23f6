"""Ingest against the real Neo4j: idempotence, accounting, rejects, resume, human decisions."""

import json
from pathlib import Path

import pytest

from taggraph.core.decisions import Decision, apply_decisions
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.reader import graph_stats, product, product_tags
from taggraph.graph.schema import clear_graph
from taggraph.jobs.cli import main
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.instacart import InstacartSource
from taggraph.jobs.ingest.sources.mapped import ColumnMapping, MappedSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from tests.support.catalog import first_rows


def test_myntra_twice_leaves_identical_counts(
    ingest, executor: GraphExecutor, context: SourceContext, demo_dir: Path
) -> None:
    first = ingest(MyntraSource(context), demo_dir / "myntra_styles.csv")
    after_first = graph_stats(executor)
    second = ingest(MyntraSource(context), demo_dir / "myntra_styles.csv")
    assert graph_stats(executor) == after_first
    assert first.input == second.input == first.accepted + first.rejected
    assert after_first.nodes["Product"] == first.accepted
    assert after_first.relationships["IN_CATEGORY"] == first.accepted
    assert after_first.relationships["HAS_TAG"] > 4 * first.accepted


def test_flipkart_categories_drop_the_product_name_leaf(
    ingest, executor: GraphExecutor, context: SourceContext, demo_dir: Path
) -> None:
    report = ingest(FlipkartSource(context), demo_dir / "flipkart.csv")
    assert report.accepted + report.rejected == report.input == 2081
    stats = graph_stats(executor)
    assert stats.nodes["Product"] == report.accepted
    assert stats.nodes["Brand"] > 100
    shorts = product(executor, "flipkart:c2d766ca982eca8304150849735ffef9")
    assert shorts is not None
    assert shorts["product"]["name"] == "Alisha Solid Women's Cycling Shorts"
    assert shorts["category_path"] == [
        "Clothing",
        "Women's Clothing",
        "Lingerie, Sleep & Swimwear",
        "Shorts",
        "Alisha Shorts",
    ]


def test_accepted_plus_rejected_equals_input_and_rejects_file_says_why(
    ingest, executor: GraphExecutor, context: SourceContext, tmp_path: Path
) -> None:
    header = (
        b"id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName\n"
    )
    rows = [
        b"1,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Blue Shirt",
        b"1,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Blue Shirt",
        b"1,Men,Apparel,Topwear,Shirts,Red,Fall,2011,Casual,Red Shirt",
        b",Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,No id",
        b"2,Men,Apparel,Topwear,Shirts,Blue,Fall,20x1,Casual,Bad year",
        b"3,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Bad \xff bytes",
        b"4,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual," + b"x" * 5000,
        b"5,Women,Apparel,Topwear,Tops,Red,Summer,2012,Casual,Fine top",
    ]
    path = tmp_path / "styles.csv"
    path.write_bytes(header + b"\n".join(rows) + b"\n")
    report = ingest(MyntraSource(context), path)
    assert (report.input, report.accepted, report.rejected) == (8, 2, 6)
    rejects = [json.loads(line) for line in report.rejects_path.read_text().splitlines()]
    assert [entry["row"] for entry in rejects] == [2, 3, 4, 5, 6, 7]
    assert rejects[0]["reason"].startswith("duplicate of row 1")
    assert rejects[1]["reason"].startswith("conflicting duplicate of row 1")
    assert "\ufffd" in rejects[4]["raw"]["productDisplayName"]
    assert graph_stats(executor).nodes["Product"] == 2


def test_interrupted_ingest_resumes_to_the_same_graph(
    ingest, executor: GraphExecutor, context: SourceContext, demo_dir: Path
) -> None:
    path = demo_dir / "myntra_styles.csv"
    ingest(MyntraSource(context), path, batch_size=400)
    complete = graph_stats(executor)
    clear_graph(executor)

    seen = 0

    def crash_after_some_batches(rows: int) -> None:
        nonlocal seen
        seen += rows
        if seen == 1300:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(MyntraSource(context), path, batch_size=400, on_rows=crash_after_some_batches)
    partial = graph_stats(executor)
    assert 0 < partial.nodes["Product"] < complete.nodes["Product"]
    resumed = ingest(MyntraSource(context), path, batch_size=400)
    assert resumed.resumed_after == 1200
    assert graph_stats(executor) == complete


def test_reingest_keeps_human_decisions_and_updates_catalog_facts(
    ingest, executor: GraphExecutor, context: SourceContext, tmp_path: Path
) -> None:
    header = (
        "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName\n"
    )
    path = tmp_path / "styles.csv"
    path.write_text(header + "7,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Blue Shirt\n")
    ingest(MyntraSource(context), path)
    apply_decisions(
        executor,
        [
            Decision("reject", "tag:season:fall", "myntra:7"),
            Decision("approve", "tag:usage:casual", "myntra:7"),
        ],
        "ana",
    )
    path.write_text(header + "7,Men,Apparel,Topwear,Shirts,Navy Blue,Fall,2011,Formal,Blue Shirt\n")
    ingest(MyntraSource(context), path)
    tags = {row["tag_id"]: row for row in product_tags(executor, "myntra:7")}
    assert tags["tag:season:fall"]["status"] == "rejected"
    assert tags["tag:season:fall"]["source"] == "human"
    assert tags["tag:usage:casual"]["status"] == "approved"
    assert tags["tag:usage:casual"]["reviewer"] == "ana"
    assert "tag:colour:blue" not in tags
    assert tags["tag:colour:navy-blue"]["source"] == "catalog"
    assert tags["tag:usage:formal"]["source"] == "catalog"


def test_instacart_orders_become_pseudonymous_interactions(
    ingest, executor: GraphExecutor, context: SourceContext, shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "catalog" / "instacart"
    folder = tmp_path / "instacart"
    folder.mkdir()
    for name in ("departments.csv", "aisles.csv", "products.csv"):
        (folder / name).write_bytes((source / name).read_bytes())
    orders = (source / "orders.csv").read_text().splitlines()[:41]
    (folder / "orders.csv").write_text("\n".join(orders) + "\n")
    order_ids = {line.split(",")[0] for line in orders[1:]}
    lines = (source / "order_products__prior.csv").read_text().splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in order_ids]
    (folder / "order_products__prior.csv").write_text("\n".join(kept) + "\n")
    report = ingest(InstacartSource(context), folder)
    assert report.accepted + report.rejected == report.input
    stats = graph_stats(executor)
    assert stats.nodes["Product"] == report.files["products.csv"].accepted
    assert stats.relationships["INTERACTED"] > 0
    raw_user_ids = {line.split(",")[1].strip('"') for line in orders[1:]}
    users = executor.read("read/user_ids")
    assert users and not {row["id"] for row in users} & raw_user_ids
    assert all(row["id"].startswith("user:") for row in users)


def test_sequences_and_attributes(
    ingest, executor: GraphExecutor, context: SourceContext, shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / "recsys" / "Beauty.txt").read_text().splitlines()[:50]
    (tmp_path / "Beauty.txt").write_text("\n".join(lines) + "\n")
    attributes = json.loads((shared_data / "recsys" / "Beauty_item2attributes.json").read_text())
    items = {item for line in lines for item in line.split()[1:]}
    subset = {item: value for item, value in attributes.items() if item in items}
    (tmp_path / "Beauty_item2attributes.json").write_text(json.dumps(subset))
    report = ingest(SequenceSource(context), tmp_path / "Beauty.txt")
    assert report.rejected == 0
    stats = graph_stats(executor)
    assert stats.nodes["User"] == 50
    assert stats.nodes["Product"] == len(items)
    assert stats.relationships["INTERACTED"] == sum(len(line.split()) - 1 for line in lines)


def test_generic_csv_with_mapping(
    ingest, executor: GraphExecutor, context: SourceContext, tmp_path: Path
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text('sku,title,colour,tree\nA1,Red dress,Red,"Clothing > Dresses"\nA2,,Blue,\n')
    mapping = ColumnMapping.parse(["id=sku", "name=title", "tag:colour=colour", "category=tree"])
    report = ingest(MappedSource(context, "csv", mapping, "shop"), path)
    assert (report.accepted, report.rejected) == (2, 0)
    found = product(executor, "shop:A1")
    assert found is not None and found["category_path"] == ["Clothing", "Dresses"]


HOSTILE = [
    "x'}) DETACH DELETE n //",
    '"; MATCH (n) DETACH DELETE n; //',
    "`Product`) SET n:Admin //",
    "${rows}",
    "<script>alert(1)</script>",
    "名前 🙂 العربية",
]


def test_hostile_values_are_stored_verbatim_as_data(
    ingest, executor: GraphExecutor, context: SourceContext, tmp_path: Path
) -> None:
    path = tmp_path / "hostile.jsonl"
    lines = [
        json.dumps({"sku": f"h{number}", "title": value, "colour": value, "brand": value, "cat": value})
        for number, value in enumerate(HOSTILE)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = ColumnMapping.parse(
        ["id=sku", "name=title", "tag:colour=colour", "brand=brand", "category=cat"]
    )
    report = ingest(MappedSource(context, "jsonl", mapping, "shop", category_separator=" / "), path)
    assert (report.accepted, report.rejected) == (len(HOSTILE), 0)
    stats = graph_stats(executor)
    assert set(stats.nodes) == {"Product", "Tag", "Brand", "Category"}
    assert stats.nodes["Product"] == len(HOSTILE)
    for number, value in enumerate(HOSTILE):
        found = product(executor, f"shop:h{number}")
        assert found is not None and found["product"]["name"] == value
        assert found["brand"] == value
        assert [row["name"] for row in product_tags(executor, f"shop:h{number}")] == [value]


def test_huge_field_is_rejected_not_fatal(
    ingest, executor: GraphExecutor, context: SourceContext, tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("sku,title,body\n")
        handle.write("a,Fine,short\n")
        handle.write("b,Huge," + "y" * 30_000_000 + "\n")
        handle.write("c,Fine too,short\n")
    mapping = ColumnMapping.parse(["id=sku", "name=title", "description=body"])
    report = ingest(MappedSource(context, "csv", mapping, "shop"), path)
    assert (report.input, report.accepted, report.rejected) == (3, 2, 1)
    reject = json.loads(report.rejects_path.read_text().splitlines()[0])
    assert reject["row"] == 2 and "more than the limit" in reject["reason"]
    assert len(reject["raw"]["body"]) < 3000


def test_cli_ingest_and_stats_print_one_json_document(
    executor: GraphExecutor, demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = first_rows(demo_dir / "myntra_styles.csv", 40, tmp_path / "styles.csv")
    with rows.open("a", encoding="utf-8") as handle:
        handle.write("not-an-id,Men,Apparel\n")
    code = main(["ingest", "myntra", str(rows), "--rejects-dir", str(tmp_path / "rejects"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["input"] == 41 == report["accepted"] + report["rejected"]
    assert report["rejected"] >= 1 and report["rejects_path"]
    assert main(["graph", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["nodes"]["Product"] == report["accepted"] == graph_stats(executor).nodes["Product"]

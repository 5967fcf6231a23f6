"""Each source on small files holding the dirt real catalogs have, and worse."""

import json
from pathlib import Path

import pytest

from taggraph.core.identity import Pseudonymiser
from taggraph.errors import InputError
from taggraph.jobs.ingest.records import ProductRecord, SourceRow
from taggraph.jobs.ingest.sources.base import SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource, parse_category_tree
from taggraph.jobs.ingest.sources.instacart import InstacartSource
from taggraph.jobs.ingest.sources.mapped import ColumnMapping, MappedSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.registry import build_source
from taggraph.jobs.ingest.sources.sequences import SequenceSource

MYNTRA_HEADER = (
    "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName\n"
)


@pytest.fixture()
def context() -> SourceContext:
    return SourceContext(Pseudonymiser(b"unit-test-key-0123456789"), max_name_chars=60)


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_myntra_rows(tmp_path: Path, context: SourceContext) -> None:
    lines = [
        "15970,Men,Apparel,Topwear,Shirts,Navy Blue,Fall,2011,Casual,Turtle Check Men Navy Blue Shirt",
        "1,Women,Apparel,Topwear,Tops,Red,,,Casual,Red top, with stray, commas",
        ",Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,No id",
        "abc,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,Id not a number",
        "2,Men,Apparel,Topwear,Shirts,Blue,Fall,20x1,Casual,Bad year",
        "3,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual," + "x" * 61,
        "4,Men,Apparel,Topwear,Shirts,Blue,Fall,2011,Casual,",
        "5,Men,Apparel",
    ]
    body = MYNTRA_HEADER.encode() + "\n".join(lines).encode() + b"\n6,Men,A,B,C,D,E,2011,F,caf\xe9\n"
    rows = list(MyntraSource(context).rows(write(tmp_path / "styles.csv", body)))
    assert [row.number for row in rows] == list(range(1, 10))
    first = rows[0].records[0]
    assert isinstance(first, ProductRecord)
    assert first.id == "myntra:15970"
    assert {tag.kind for tag in first.tags} == {"gender", "article_type", "colour", "season", "usage"}
    assert first.category is not None and first.category.path == ("Apparel", "Topwear")
    second = rows[1].records[0]
    assert isinstance(second, ProductRecord)
    assert second.name == "Red top, with stray, commas"
    assert second.year is None and "season" not in {tag.kind for tag in second.tags}
    reasons = [row.reason for row in rows[2:]]
    assert reasons == [
        "missing id",
        "id 'abc' is not a number",
        "year '20x1' is not an integer",
        "productDisplayName has 61 characters, more than the limit of 60",
        "missing productDisplayName",
        "expected 10 fields, got 3",
        "productDisplayName is not valid UTF-8",
    ]


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_empty_file_is_an_input_error(tmp_path: Path, context: SourceContext, content: str) -> None:
    with pytest.raises(InputError, match="empty or has no header"):
        list(MyntraSource(context).rows(write(tmp_path / "styles.csv", content)))


def test_header_only_gives_no_rows(tmp_path: Path, context: SourceContext) -> None:
    assert list(MyntraSource(context).rows(write(tmp_path / "s.csv", MYNTRA_HEADER))) == []


def test_wrong_columns_name_what_is_missing(tmp_path: Path, context: SourceContext) -> None:
    with pytest.raises(InputError, match="lacks the column.*productDisplayName"):
        list(MyntraSource(context).rows(write(tmp_path / "s.csv", "id,gender\n1,Men\n")))


def test_missing_file(tmp_path: Path, context: SourceContext) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(MyntraSource(context).rows(tmp_path / "absent.csv"))


@pytest.mark.parametrize(
    ("tree", "name", "expected"),
    [
        (
            '["Clothing >> Shorts >> Alisha Shorts >> Alisha Solid Shorts"]',
            "Alisha Solid Shorts",
            ("Clothing", "Shorts", "Alisha Shorts"),
        ),
        (
            '["Furniture >> Sofa Beds >> FabHomeDecor Fabric Double Sofa Bed (Finish Colo..."]',
            "FabHomeDecor Fabric Double Sofa Bed (Finish Color - Leatherette Black)",
            ("Furniture", "Sofa Beds"),
        ),
        (
            '["Footwear >> Women\'s Footwear >> Ballerinas"]',
            "AW Bellies",
            ("Footwear", "Women's Footwear", "Ballerinas"),
        ),
        ('["AW Bellies"]', "aw  bellies", ()),
    ],
)
def test_category_tree_drops_the_product_name_leaf(tree: str, name: str, expected: tuple) -> None:
    assert parse_category_tree(tree, name) == expected


@pytest.mark.parametrize(
    "tree",
    ["[Clothing >> Shorts]", '["A >> >> B"]', '["A", "B"]', '{"a": 1}', '["' + ">>".join("x" * 13) + '"]'],
)
def test_unparseable_trees_are_rejected(tmp_path: Path, context: SourceContext, tree: str) -> None:
    header = "uniq_id,product_name,product_category_tree,retail_price,discounted_price,brand,description,product_specifications\n"
    row = f'u1,Name,"{tree.replace(chr(34), chr(34) * 2)}",100,90,B,desc,\n'
    rows = list(FlipkartSource(context).rows(write(tmp_path / "f.csv", header + row)))
    assert rows[0].rejected
    assert "category tree" in (rows[0].reason or "")


def test_flipkart_record(tmp_path: Path, context: SourceContext) -> None:
    header = "uniq_id,product_name,product_category_tree,retail_price,discounted_price,brand,description,product_specifications\n"
    specs = '{""product_specification""=>[{""key""=>""Fabric"", ""value""=>""Cotton Lycra""}, {""key""=>""Color"", ""value""=>""Navy, Red""}, {""key""=>""Style Code"", ""value""=>""ALTHT""}]}'
    rows = [
        f'u1,Alisha Solid Shorts,"[""Clothing >> Shorts >> Alisha Solid Shorts""]",999,,Alisha,Nice shorts,"{specs}"',
        'u2,Priced wrong,"[""Clothing""]",abc,,,,',
    ]
    parsed = list(FlipkartSource(context).rows(write(tmp_path / "f.csv", header + "\n".join(rows) + "\n")))
    record = parsed[0].records[0]
    assert isinstance(record, ProductRecord)
    assert record.price == 999.0
    assert record.brand is not None and record.brand.id == "brand:alisha"
    assert record.category is not None and record.category.path == ("Clothing", "Shorts")
    assert {(tag.kind, tag.name) for tag in record.tags} == {
        ("material", "Cotton Lycra"),
        ("colour", "Navy"),
        ("colour", "Red"),
    }
    assert parsed[1].reason == "retail_price 'abc' is not a number"


def test_mapping_parse_errors() -> None:
    for items, message in [
        (["name=title"], "needs id"),
        (["id"], "field=column"),
        (["colour=c", "id=i"], "unknown field"),
        (["id=i", "tag:Bad Kind=c"], "tag kind"),
    ]:
        with pytest.raises(InputError, match=message):
            ColumnMapping.parse(items)


def test_mapped_csv_wrong_column(tmp_path: Path, context: SourceContext) -> None:
    path = write(tmp_path / "c.csv", "sku,title\n1,Shirt\n")
    source = MappedSource(context, "csv", ColumnMapping.parse(["id=sku", "name=name"]), "shop")
    with pytest.raises(InputError, match="lacks the mapped column.*name.*it has sku, title"):
        list(source.rows(path))


def test_mapped_jsonl(tmp_path: Path, context: SourceContext) -> None:
    lines = [
        json.dumps({"sku": 1, "title": "Red shirt", "colours": ["Red", "Red", "Blue"], "cat": "A > B"}),
        "not json",
        json.dumps([1, 2]),
        json.dumps({"sku": "2", "title": {"nested": True}}),
        json.dumps({"sku": "3", "title": "ok", "cat": "A >  > B"}),
    ]
    path = write(tmp_path / "c.jsonl", "\n".join(lines) + "\n")
    mapping = ColumnMapping.parse(["id=sku", "name=title", "tag:colour=colours", "category=cat"])
    rows = list(MappedSource(context, "jsonl", mapping, "shop").rows(path))
    record = rows[0].records[0]
    assert isinstance(record, ProductRecord)
    assert record.id == "shop:1"
    assert [tag.name for tag in record.tags] == ["Red", "Blue"]
    assert record.category is not None and record.category.path == ("A", "B")
    assert [row.reason is not None for row in rows] == [False, True, True, True, True]
    assert "malformed JSON" in (rows[1].reason or "")
    assert "expected a JSON object" in (rows[2].reason or "")
    assert "expected text" in (rows[3].reason or "")


def test_registry_refuses_unknown_source_and_misplaced_mapping(context: SourceContext) -> None:
    with pytest.raises(InputError, match="unknown source 'amazon'"):
        build_source("amazon", context, Path("x"))
    with pytest.raises(InputError, match="--map applies"):
        build_source("myntra", context, Path("x"), ["id=a"])
    with pytest.raises(InputError, match="needs a column mapping"):
        build_source("csv", context, Path("x"))
    with pytest.raises(InputError, match="source name"):
        build_source("csv", context, Path("x"), ["id=a"], source_name="Bad Name;DROP")


def _rows_by_file(rows: list[SourceRow]) -> dict[str, list[SourceRow]]:
    grouped: dict[str, list[SourceRow]] = {}
    for row in rows:
        grouped.setdefault(row.file, []).append(row)
    return grouped


def test_instacart_folder(tmp_path: Path, context: SourceContext) -> None:
    write(tmp_path / "departments.csv", "department_id,department\n1,frozen\n")
    write(tmp_path / "aisles.csv", "aisle_id,aisle\n10,ice cream\n")
    write(
        tmp_path / "products.csv",
        "product_id,product_name,aisle_id,department_id\n5,Vanilla,10,1\n6,Lost,99,1\n",
    )
    write(tmp_path / "orders.csv", "order_id,user_id,eval_set,order_number\n100,7,prior,3\n100,8,prior,1\n")
    write(
        tmp_path / "order_products__prior.csv", "order_id,product_id,reordered\n100,5,1\n100,6,0\n101,5,0\n"
    )
    grouped = _rows_by_file(list(InstacartSource(context).rows(tmp_path)))
    assert [row.reason for row in grouped["products.csv"]] == [None, "unknown aisle_id '99'"]
    assert grouped["orders.csv"][1].reason == "duplicate order_id 100"
    assert "user_id" not in (grouped["orders.csv"][1].raw or {})
    lines = grouped["order_products__prior.csv"]
    assert [row.reason for row in lines] == [None, "unknown product_id 6", "unknown order_id 101"]
    interaction = lines[0].records[0]
    assert interaction.user_id == context.pseudonymiser.user_id("instacart", "7")
    assert interaction.ts == 3 and interaction.weight == 2.0


def test_instacart_needs_a_folder_with_its_files(tmp_path: Path, context: SourceContext) -> None:
    with pytest.raises(InputError, match="has no departments.csv"):
        list(InstacartSource(context).rows(tmp_path))


def test_sequences(tmp_path: Path, context: SourceContext) -> None:
    write(tmp_path / "Beauty.txt", "1 1 2 3\n2\n3 4 x\x00y\n")
    write(tmp_path / "Beauty_item2attributes.json", json.dumps({"1": [5, 6, 5], "2": "bad"}))
    grouped = _rows_by_file(list(SequenceSource(context).rows(tmp_path / "Beauty.txt")))
    sequence_rows = grouped["Beauty.txt"]
    assert [len(row.records) for row in sequence_rows] == [3, 0, 0]
    assert sequence_rows[0].records[0].product_id == "beauty:1"
    assert [record.ts for record in sequence_rows[0].records] == [0, 1, 2]
    assert sequence_rows[1].reason is not None and sequence_rows[2].reason is not None
    attributes = grouped["Beauty_item2attributes.json"]
    product = attributes[0].records[0]
    assert isinstance(product, ProductRecord)
    assert [tag.id for tag in product.tags] == ["tag:beauty-attribute:5", "tag:beauty-attribute:6"]
    assert attributes[1].reason == "attributes must be a list of integer ids"


def test_sequences_need_their_attributes(tmp_path: Path, context: SourceContext) -> None:
    write(tmp_path / "Beauty.txt", "1 1 2\n")
    with pytest.raises(InputError, match="Beauty_item2attributes.json"):
        list(SequenceSource(context).rows(tmp_path / "Beauty.txt"))


def test_long_specifications_of_unused_keys_do_not_reject(tmp_path: Path, context: SourceContext) -> None:
    header = "uniq_id,product_name,product_category_tree,retail_price,discounted_price,brand,description,product_specifications\n"
    specs = (
        '{""product_specification""=>[{""key""=>""Care Instructions"", ""value""=>""' + "w" * 500 + '""}]}'
    )
    row = f'u1,Sofa,"[""Furniture""]",10,,,,"{specs}"\n'
    rows = list(FlipkartSource(context).rows(write(tmp_path / "f.csv", header + row)))
    assert rows[0].reason is None

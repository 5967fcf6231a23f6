from taggraph.jobs.ingest.records import BrandRef, CategoryRef, TagRef, slug


def test_slug() -> None:
    assert slug("Navy Blue") == "navy-blue"
    assert slug("  Women's  Clothing ") == "women-s-clothing"
    assert slug("Crème Brûlée") == "creme-brulee"
    assert slug("红色") == "红色"


def test_ids_are_stable_and_shared_across_casing() -> None:
    assert TagRef("colour", "Navy Blue").id == "tag:colour:navy-blue"
    assert BrandRef("ALISHA").id == BrandRef("Alisha").id == "brand:alisha"


def test_category_lineage() -> None:
    leaf = CategoryRef("flipkart", ("Clothing", "Women's Clothing", "Shorts"))
    lineage = leaf.lineage()
    assert [category.level for category in lineage] == [1, 2, 3]
    assert lineage[0].parent is None
    assert leaf.parent == lineage[1]
    assert leaf.id == "flipkart:cat:clothing/women-s-clothing/shorts"

"""The review page in a real browser (Debian's Chromium driven by Playwright) against the real service
and Neo4j: sign in, filter, decide by key press and by click, merge a candidate, undo, bulk-approve,
and review with the keyboard alone; each test reads the graph to check the facts."""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from taggraph.api.app import create_app
from taggraph.graph.connection import GraphExecutor
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import KEYS, api_settings
from tests.support.browser import chromium_path, launch_chromium
from tests.support.live_server import live_server
from tests.support.review import CANDIDATE, SHIRT, WHITE_SHIRT, edge_state

FORMAL = "tag:usage:formal"
WHITE = "tag:colour:white"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not chromium_path().exists():
        if os.environ.get("TAGGRAPH_TEST_BROWSER") == "required":
            pytest.fail(f"no Chromium at {chromium_path()} (apt-get install chromium)")
        pytest.skip(f"no Chromium at {chromium_path()}; .ci/run installs it")
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture()
def address(review_graph: GraphExecutor, neo4j_settings: Neo4jSettings) -> Iterator[str]:
    settings = api_settings(None, neo4j_settings)
    with live_server(create_app(settings), settings) as (host, port):
        yield f"http://{host}:{port}"


@pytest.fixture()
def page(browser: Browser, address: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=address)
    opened = context.new_page()
    opened.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()


def sign_in(page: Page, key: str = KEYS["ana"]) -> None:
    page.goto("/review")
    page.get_by_label("Review key").fill(key)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as")).to_be_visible()


def card_of(page: Page, product_id: str, tag_id: str):
    return page.locator(f'article[data-product-id="{product_id}"][data-tag-id="{tag_id}"]')


def test_sign_in_filter_and_approve_with_a_key_press(page: Page, review_graph: GraphExecutor) -> None:
    sign_in(page)
    page.get_by_label("Tag kind").select_option("colour")
    page.get_by_label("Proposed by").select_option("tagger")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("article[data-card]")).to_have_count(1)  # the tagger's colour proposal
    card_of(page, WHITE_SHIRT, WHITE).focus()
    page.keyboard.press("a")
    expect(page.locator("#status")).to_have_text("1 decision recorded")
    expect(card_of(page, WHITE_SHIRT, WHITE)).to_have_count(0)
    assert edge_state(review_graph, WHITE_SHIRT, WHITE) == ("human", "approved")
    expect(page.locator('[data-count="proposals"]')).to_have_text("0")


def test_reject_with_a_click_and_undo(page: Page, review_graph: GraphExecutor) -> None:
    sign_in(page)
    card = card_of(page, SHIRT, FORMAL)
    card.get_by_role("button", name="Reject").click()
    expect(page.locator("#status")).to_have_text("1 decision recorded")
    assert edge_state(review_graph, SHIRT, FORMAL) == ("human", "rejected")
    page.locator("body").press("u")
    expect(page.locator("#status")).to_have_text("1 decision undone")
    assert edge_state(review_graph, SHIRT, FORMAL) == ("tagger", "proposed")
    expect(card_of(page, SHIRT, FORMAL)).to_have_count(1)


def test_merge_a_candidate_into_its_suggested_entity(page: Page, review_graph: GraphExecutor) -> None:
    sign_in(page)
    page.get_by_role("link", name="Candidate entities").click()
    candidate = page.locator("article.candidate")
    expect(candidate.get_by_label("Merge into")).to_have_value("tag:colour:navy-blue")
    candidate.focus()
    page.keyboard.press("m")
    expect(page.locator("#status")).to_have_text("1 decision recorded")
    assert review_graph.read("read/tag", tag_id=CANDIDATE)[0]["status"] == "merged"
    assert edge_state(review_graph, SHIRT, CANDIDATE) is None


def test_bulk_approve_above_a_score(page: Page, review_graph: GraphExecutor) -> None:
    sign_in(page)
    page.get_by_label("Decision").select_option("approve")
    page.get_by_label("those scored").select_option("at_least")
    page.get_by_label("score", exact=True).fill("0.9")
    page.get_by_role("button", name="Apply").click()  # the confirm dialog is accepted
    expect(page.locator("#status")).to_contain_text("1 decision recorded")
    assert edge_state(review_graph, WHITE_SHIRT, WHITE) == ("human", "approved")
    assert edge_state(review_graph, SHIRT, FORMAL) == ("tagger", "proposed")


def test_a_whole_queue_reviewed_with_the_keyboard_alone(page: Page, review_graph: GraphExecutor) -> None:
    page.goto("/review")
    expect(page.get_by_label("Review key")).to_be_focused()
    page.keyboard.type(KEYS["ana"])
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    cards = page.locator("article[data-card]")
    expect(cards).to_have_count(3)  # formal 0.41, the candidate's edge 0.6, white 0.93
    page.keyboard.press("r")  # formal rejected; the focus moves to the next card
    expect(cards).to_have_count(2)
    page.keyboard.press("j")
    page.keyboard.press("a")  # white approved
    expect(cards).to_have_count(1)
    page.keyboard.press("c")  # to the candidate entities
    expect(page.locator("article.candidate")).to_be_focused()
    page.keyboard.press("a")  # the candidate accepted as a new colour
    expect(page.locator("#status")).to_have_text("1 decision recorded")
    page.keyboard.press("c")  # back to the proposals: the candidate's edge can be approved now
    expect(cards).to_have_count(1)
    expect(cards.first).to_be_focused()
    page.keyboard.press("a")
    expect(cards).to_have_count(0)
    assert review_graph.read("read/tag", tag_id=CANDIDATE)[0]["status"] == "active"
    assert edge_state(review_graph, SHIRT, FORMAL) == ("human", "rejected")
    assert edge_state(review_graph, SHIRT, CANDIDATE) == ("human", "approved")
    assert edge_state(review_graph, WHITE_SHIRT, WHITE) == ("human", "approved")
    page.goto("/review/history")
    expect(page.locator("tbody tr")).to_have_count(4)


def test_the_page_fits_a_narrow_screen_and_shows_focus(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    focused = page.locator("article[data-card]").first
    expect(focused).to_be_focused()
    outline = focused.evaluate("card => getComputedStyle(card).outlineStyle")
    assert outline != "none"


def test_the_neo4j_browser_link_opens_the_products_neighbourhood_in_the_editor(page: Page) -> None:
    sign_in(page)
    link = card_of(page, SHIRT, FORMAL).get_by_role("link", name="Neo4j Browser")
    page.goto(link.get_attribute("href"))
    editor = page.locator(".monaco-editor").first
    expect(editor).to_contain_text(f"(p:Product {{id: '{SHIRT}'}})", timeout=60_000)


def test_a_hundred_proposals_reviewed_with_the_keyboard_alone(
    page: Page, review_graph: GraphExecutor
) -> None:
    products = [
        row["id"]
        for row in review_graph.read("read/export_products", after="", limit=140, sources=["myntra"])
    ]
    rows = [
        {"product_id": product, "tags": [{"tag_id": "tag:season:spring", "score": round(0.2 + i / 1000, 3)}]}
        for i, product in enumerate(products)
    ]
    review_graph.write("write/tagger_proposals", rows=rows, source="tagger", model="batch-100")
    proposed = [
        p for p in products if edge_state(review_graph, p, "tag:season:spring") == ("tagger", "proposed")
    ]
    assert len(proposed) >= 100
    sign_in(page)
    page.goto("/review?model=batch-100")
    counter = page.locator('[data-count="proposals"]')
    expect(counter).to_have_text(str(len(proposed)))
    for done in range(100):  # approve and reject in turn; past 50 the next page loads by itself
        expect(page.locator("article[data-card]").first).to_be_focused()
        page.keyboard.press("a" if done % 2 == 0 else "r")
        expect(counter).to_have_text(str(len(proposed) - done - 1))
    decided = [edge_state(review_graph, p, "tag:season:spring") for p in proposed]
    assert decided.count(("human", "approved")) == 50 and decided.count(("human", "rejected")) == 50

"""Screenshots of Neo4j Browser and of the review page on the demo graph, for the README (docs/*.png).

Needs the local server running with the demo graph (`bash scripts/demo.sh`), Debian's Chromium
(`apt-get install chromium`) and Playwright for Python (in the project's environment; its own
browser download is not used). With --review-key, the review page of a running `taggraph serve`
(--api) is taken too:

    python scripts/browser_screenshots.py [--product myntra:33554] [--api URL --review-key KEY]
"""

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.support.browser import launch_chromium  # noqa: E402


def dismiss_banner(page: Page) -> None:
    """Close the usage-statistics banner with its close mark at the banner's right end."""
    banner = page.get_by_text("To help make Neo4j Browser better").first
    box = banner.bounding_box() if banner.count() else None
    if box is not None:
        page.mouse.click(page.viewport_size["width"] - 45, box["y"] + box["height"] / 2)
        page.wait_for_timeout(500)


def run(page: Page, command: str, wait_ms: int = 5000) -> None:
    """Type a command into the editor and run it."""
    page.locator(".monaco-editor").first.click()
    page.keyboard.type(command)
    page.click('[data-testid="editor-Run"]')
    page.wait_for_timeout(wait_ms)


def browse_query(name: str) -> str:
    """A catalog-team query of taggraph/cypher/browse, without its comment lines."""
    text = (REPO / "taggraph" / "cypher" / "browse" / f"{name}.cypher").read_text(encoding="utf-8")
    return " ".join(line.strip() for line in text.splitlines() if not line.startswith("//"))


def main() -> None:
    """Open Neo4j Browser on the demo graph and write the README screenshots to --out."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--product", default="myntra:33554")
    parser.add_argument("--http", default="http://127.0.0.1:7474")
    parser.add_argument("--bolt", default="bolt://neo4j@127.0.0.1:7687")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="The running service (review page).")
    parser.add_argument("--review-key", help="A review key of that service: also take docs/review-page.png.")
    args = parser.parse_args()
    password = os.environ.get("TAGGRAPH_NEO4J_PASSWORD", "taggraph-local")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 820})
        page.goto(f"{args.http}/browser/?dbms={args.bolt}&db=neo4j&preselectAuthMethod=NATIVE")
        page.wait_for_selector('[data-testid="password"]', timeout=60_000)
        page.fill('[data-testid="password"]', password)
        page.click('[data-testid="connect"]')
        page.wait_for_timeout(4000)
        dismiss_banner(page)
        run(page, ":clear", 1000)
        run(page, f":param product_id => '{args.product}'", 1500)
        run(page, ":clear", 1000)
        run(page, browse_query("neighbourhood"), 8000)
        page.screenshot(path=args.out / "browser-product.png")
        run(page, ":clear", 1000)
        for parameter in (":param max_score => 0.5", ":param source => null", ":param limit => 25"):
            run(page, parameter, 1500)
        run(page, ":clear", 1000)
        run(page, browse_query("low_confidence"), 6000)
        page.screenshot(path=args.out / "browser-review.png")
        if args.review_key:
            review_page(browser.new_page(viewport={"width": 1280, "height": 800}), args)
        browser.close()
    print(f"wrote the screenshots to {args.out}")


def review_page(page: Page, args: argparse.Namespace) -> None:
    """Sign in to the review page and take the queue as a reviewer first sees it."""
    page.goto(f"{args.api}/review")
    page.get_by_label("Review key").fill(args.review_key)
    page.keyboard.press("Enter")
    page.wait_for_selector("article[data-card]", timeout=60_000)
    page.locator("article[data-card]").first.focus()
    page.wait_for_timeout(500)
    page.screenshot(path=args.out / "review-page.png")


if __name__ == "__main__":
    main()

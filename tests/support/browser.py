"""Debian's Chromium driven by Playwright: the executable and the flags for a closed network.

Playwright's own browser download is never used. Without the background-networking flags
Chromium keeps trying to reach Google's hosts, which a closed network refuses.
"""

import os
from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path:
    """The system Chromium (``TAGGRAPH_CHROMIUM``, default ``/usr/bin/chromium``)."""
    return Path(os.environ.get("TAGGRAPH_CHROMIUM", "/usr/bin/chromium"))


def launch_chromium(playwright: Playwright) -> Browser:
    """Start the system Chromium headless."""
    return playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_FLAGS)

"""A page in a headless browser, and where the tests save its screenshots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from support.project import PROJECT_DIR

SCREENSHOT_DIR = PROJECT_DIR / "target" / "test-output"


@contextmanager
def headless_chromium_page(width: int, height: int) -> Iterator[tuple[object, list[str]]]:
    """A page in Debian's Chromium, headless, driven through Playwright (no browser is
    downloaded), and the list its uncaught errors are collected in."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (make test installs it)"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, errors
        finally:
            browser.close()

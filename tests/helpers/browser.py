"""Debian's Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

#: How visitors come: English and Czech, on a desktop and on a 375 px phone.
VISITOR_SETUPS = {
    "en-desktop": {"locale": "en-GB", "viewport": {"width": 1280, "height": 900}},
    "cs-desktop": {"locale": "cs-CZ", "viewport": {"width": 1280, "height": 900}},
    "en-phone": {"locale": "en-GB", "viewport": {"width": 375, "height": 812}, "is_mobile": True},
    "cs-phone": {"locale": "cs-CZ", "viewport": {"width": 375, "height": 812}, "is_mobile": True},
}

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextmanager
def browser_page(chromium_path: str, **context_options) -> Iterator:
    """A fresh page in a fresh browser, closed afterwards."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's async guard is moot.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
            context = browser.new_context(**context_options)
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(page, base_url: str, username: str = "admin", password: str = "password") -> None:  # noqa: S107 - the test users' password
    """Sign in to the Wagtail admin through its login form."""
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def assert_page_language(page, language: str) -> None:
    """The page says which language it is in (``<html lang>``): screen readers read by it."""
    assert page.locator("html").get_attribute("lang") == language, page.url

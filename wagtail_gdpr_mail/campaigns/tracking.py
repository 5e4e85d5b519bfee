"""Open pixels and click redirects, only for recipients who hold the tracking purpose.

Core calls these two hooks; the bodies here say "no tracking" until the tracking
feature replaces them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def tracked_contact_ids(campaign: Any, contact_ids: Iterable[int]) -> set[int]:
    """Who among ``contact_ids`` holds the site's tracking purpose (none, for now)."""
    return set()


def instrument_html(html: str, *, token: str, tracked: bool) -> str:
    """``html`` with an open pixel and click redirects when ``tracked`` (unchanged, for now)."""
    return html

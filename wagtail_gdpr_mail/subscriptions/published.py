"""A subscription form as published: its page, its configuration and the snapshot kept
as evidence, built once per process and generation (:mod:`~wagtail_gdpr_mail.config_cache`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wagtail.blocks import StructValue
from wagtail.models import Page

from .. import config_cache
from .blocks import find_form, get_live_page
from .forms import form_snapshot


@dataclass(frozen=True)
class PublishedForm:
    """Everything a submission needs from its form that only an editor changes.

    Shared between requests and threads: read it, never change it.
    """

    page: Page
    config: StructValue
    #: :func:`~wagtail_gdpr_mail.subscriptions.forms.form_snapshot`: kept with each signup.
    snapshot: dict[str, Any]
    #: Where links in mail point (:func:`base_url_of`).
    base_url: str
    #: The page's URL, for the redirect after a submission.
    url: str


def base_url_of(page: Page) -> str:
    """Where links in mail point: the root URL of the page's Wagtail site, never the
    request's Host header (which a client chooses)."""
    # get_url_parts() reads Wagtail's cached site root paths: no query per submission.
    parts = page.get_url_parts()
    return (parts[1] if parts else "") + "/"


def published_form(page_id: Any, form_id: str) -> PublishedForm | None:
    """The form ``form_id`` on the live page ``page_id``, or None (unknown, a draft, not
    on the page, or its main purpose deleted or switched off)."""
    try:
        page_id = int(page_id)
    except (TypeError, ValueError):
        return None
    if not form_id:
        return None
    # Misses are not kept: made-up ids cost a query each, never memory.
    return config_cache.cached(("form", page_id, form_id), lambda: _build(page_id, form_id))


def _build(page_id: int, form_id: str) -> PublishedForm | None:
    page = get_live_page(page_id)
    config = find_form(page, form_id) if page is not None else None
    main_purpose = config.get("main_purpose") if config is not None else None
    if page is None or config is None or main_purpose is None or not main_purpose.is_active:
        return None
    return PublishedForm(
        page=page,
        config=config,
        snapshot=form_snapshot(config, page),
        base_url=base_url_of(page),
        url=page.url,
    )

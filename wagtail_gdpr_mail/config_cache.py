"""What every submission and every confirmation mail reads, kept in the process.

A subscription form's configuration (its live page, the block, the purposes with their
legal bases, the list), the page's site and the controller's settings change only when
an editor publishes or saves them, yet a submission and its mail would read them on
every request: half their SQL. Each process keeps what it built, tagged with a
*generation*: a random value in Django's cache, which every process shares (the app's
rate limits and quiet period need that already). Saving or
deleting a page, a purpose, a legal basis, a list, a site or the controller's
settings -- publishing a page or a purpose saves it -- draws a new generation, and
every process builds its entries afresh on their next use. One cache read per use
replaces the queries.

Values are shared between the threads of a process: never change one in place.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.test.signals import setting_changed
from wagtail.signals import page_unpublished, post_page_move

GENERATION_KEY = "wagtail_gdpr_mail:config-generation"
#: Entries per process before all are dropped (forms on many pages: memory stays bounded).
MAX_ENTRIES = 2000

T = TypeVar("T")

_entries: dict[Hashable, tuple[str, Any]] = {}
_lock = threading.Lock()


def generation() -> str:
    """The current generation; drawn and stored on first use."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        # add(): a process that stored one a moment earlier wins, and all agree.
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = cache.get(GENERATION_KEY) or ""
    return value


def new_generation(**kwargs: Any) -> None:
    """Make every process build its entries again (a signal receiver): now, and once
    more when the transaction commits, so that nothing read before the commit (the
    old rows) stays under the new generation."""
    _draw()
    transaction.on_commit(_draw)


def _draw() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    with _lock:
        _entries.clear()


def cached(key: Hashable, build: Callable[[], T], *, current: str | None = None) -> T:
    """The value of ``key`` built in this generation, else ``build()`` (not kept if None).

    ``current`` passes a generation read once for several look-ups.
    """
    current = current if current is not None else generation()
    entry = _entries.get(key)
    if entry is not None and entry[0] == current:
        return entry[1]
    value = build()
    if value is not None:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (current, value)
    return value


#: Models whose rows the cached values are built from (app label, model name).
WATCHED = {
    ("wagtailcore", "site"),
    ("wagtail_gdpr_mail", "processingpurpose"),
    ("wagtail_gdpr_mail", "legalbasis"),
    ("wagtail_gdpr_mail", "contactlist"),
    ("wagtail_gdpr_mail", "controllersettings"),
}


def _watched(sender: type) -> bool:
    from wagtail.models import Page

    meta = getattr(sender, "_meta", None)
    if meta is None:
        return False
    return (meta.app_label, meta.model_name) in WATCHED or issubclass(sender, Page)


@receiver(post_save, dispatch_uid="wagtail_gdpr_mail_config_saved")
@receiver(post_delete, dispatch_uid="wagtail_gdpr_mail_config_deleted")
def _row_changed(sender: type, **kwargs: Any) -> None:
    if _watched(sender):
        new_generation()


# A move rewrites the paths (and URLs) of the page's descendants without saving them;
# unpublishing a subtree does the same to its live flags.
post_page_move.connect(new_generation, dispatch_uid="wagtail_gdpr_mail_config_page_moved")
page_unpublished.connect(new_generation, dispatch_uid="wagtail_gdpr_mail_config_unpublished")


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    # Tests switch caches, languages and keys: nothing built under others survives.
    with _lock:
        _entries.clear()

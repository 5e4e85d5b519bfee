"""Cache-based rate limits for the public forms (fixed windows, per IP and per address)."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches

from .conf import app_settings


def _key(scope: str, identity: str, window: int) -> str:
    # The identity (an IP or an address) is personal data: only a keyed hash
    # goes into the cache key.
    digest = hmac.new(settings.SECRET_KEY.encode(), identity.encode(), hashlib.sha256).hexdigest()[
        :32
    ]
    return f"wagtail_gdpr_mail:rl:{scope}:{digest}:{int(time.time() // window)}"


def hit(scope: str, identity: str, limit: tuple[int, int]) -> bool:
    """Count one event; True while ``identity`` stays within ``limit`` = (count, seconds)."""
    count, window = limit
    if count <= 0:
        return True
    cache = caches[app_settings.RATE_LIMIT_CACHE]
    key = _key(scope, identity, window)
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        return cache.incr(key) <= count
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True


# --- The quiet period: one confirmation mail per address at a time ------------------


def quiet_guard_key(index: str) -> str:
    return f"wagtail_gdpr_mail:quiet:{index}"


def claim_quiet_period(index: str) -> bool:
    """Atomically claim the quiet period of an address (by blind index); False if taken.

    Two submissions at the same moment both pass a database check; the atomic
    cache add lets only one through.
    """
    seconds = app_settings.QUIET_PERIOD_MINUTES * 60
    if not seconds:
        return True
    return caches[app_settings.RATE_LIMIT_CACHE].add(quiet_guard_key(index), 1, seconds)


def release_quiet_guard(indexes: Iterable[str | None]) -> None:
    """Let the address subscribe again at once (after a confirmation or an erasure)."""
    caches[app_settings.RATE_LIMIT_CACHE].delete_many([quiet_guard_key(i) for i in indexes if i])

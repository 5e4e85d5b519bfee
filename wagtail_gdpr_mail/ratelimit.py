"""Cache-based rate limits for the public forms (sliding windows, per IP and per address),
the quiet period that lets one pending signup per address out at a time, and the bound
on confirmation mails per address (resends included).

Works with any Django cache that has atomic ``add`` and ``incr`` (Redis, Memcached,
locmem; the database cache is atomic enough for the counts it keeps).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches

from .conf import app_settings
from .crypto import normalise_email

#: A window is counted in this many buckets; the limit covers the window plus the
#: running bucket, so no stretch of ``window`` seconds lets more than the limit through.
BUCKETS = 10


def _digest(identity: str) -> str:
    # The identity (an IP or an address) is personal data: only a keyed hash
    # goes into the cache key.
    return hmac.new(settings.SECRET_KEY.encode(), identity.encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def rate_identity(email: str) -> str:
    """The address the limits count: normalised, with any ``+tag`` dropped, so
    ``victim+1@`` and ``victim+2@`` are one address. Never the address that is stored."""
    local, at, domain = normalise_email(email).rpartition("@")
    if not at:
        return normalise_email(email)
    return f"{local.split('+', 1)[0] or local}@{domain}"


def hit(scope: str, identity: str, limit: tuple[int, int], *, now: float | None = None) -> bool:
    """Count one event; True while ``identity`` stays within ``limit`` = (count, seconds).

    A sliding window of ``BUCKETS`` buckets: each event increments the running bucket
    (atomic ``add``/``incr``); the events of the last window are the sum of the running
    bucket and the ``BUCKETS`` before it. Refused events count too, so hammering keeps
    the door shut. ``now`` is for tests (a controllable clock).
    """
    count, window = limit
    if count <= 0:
        return True
    now = time.time() if now is None else now
    bucket_seconds = max(window / BUCKETS, 1.0)
    running = int(now // bucket_seconds)
    prefix = f"wagtail_gdpr_mail:rl:{scope}:{_digest(identity)}:{window}:"
    cache = caches[app_settings.RATE_LIMIT_CACHE]
    key = f"{prefix}{running}"
    timeout = int(window + 2 * bucket_seconds) + 1
    if cache.add(key, 1, timeout=timeout):
        current = 1
    else:
        try:
            current = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)
            current = 1
    if current > count:
        return False
    earlier = cache.get_many([f"{prefix}{b}" for b in range(running - BUCKETS, running)])
    return current + sum(int(v) for v in earlier.values()) <= count


# --- The quiet period: one confirmation mail per address at a time ------------------


def quiet_guard_key(email: str) -> str:
    return f"wagtail_gdpr_mail:quiet:{_digest(rate_identity(email))}"


def claim_quiet_period(email: str) -> bool:
    """Atomically claim the quiet period of an address (plus-tags count as one); False
    if taken.

    Two submissions at the same moment both pass a database check; the atomic
    cache add lets only one through.
    """
    seconds = app_settings.QUIET_PERIOD_MINUTES * 60
    if not seconds:
        return True
    return caches[app_settings.RATE_LIMIT_CACHE].add(quiet_guard_key(email), 1, seconds)


def release_quiet_guard(emails: Iterable[str | None]) -> None:
    """Let the address subscribe again at once (after a confirmation or an erasure)."""
    caches[app_settings.RATE_LIMIT_CACHE].delete_many([quiet_guard_key(e) for e in emails if e])


# --- Confirmation mails: a resend for a person, a bound for list bombing ------------

#: One day, the window of ``CONFIRMATION_MAILS_PER_DAY``.
DAY_SECONDS = 24 * 3600


def mail_guard_key(email: str) -> str:
    return f"wagtail_gdpr_mail:mailed:{_digest(rate_identity(email))}"


def claim_confirmation_mail(email: str, *, resend: bool) -> bool:
    """May a confirmation mail go to ``email`` now? Counts it if so.

    A resend is refused within ``RESEND_AFTER_SECONDS`` of the last mail (atomic
    ``add``: a double click, or two tabs sending at once, send one mail); every
    mail, first or resent, counts towards ``CONFIRMATION_MAILS_PER_DAY``.
    """
    cache = caches[app_settings.RATE_LIMIT_CACHE]
    seconds = app_settings.RESEND_AFTER_SECONDS
    refused = False
    if seconds:
        if resend:
            refused = not cache.add(mail_guard_key(email), 1, seconds)
        else:
            cache.set(mail_guard_key(email), 1, seconds)
    bound = (app_settings.CONFIRMATION_MAILS_PER_DAY, DAY_SECONDS)
    # A refused resend still does a counter's work (on a counter of its own), so the
    # time taken does not tell a pending address from a new one.
    counted = hit("refused-mail" if refused else "confirmation-mail", rate_identity(email), bound)
    return counted and not refused

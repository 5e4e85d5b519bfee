"""The ESP side of campaign sending: batch or not, the rate, the errors, the messages.

One Anymail batch message carries a batch (``merge_data``: each recipient's token,
``merge_metadata``: the delivery row, ``merge_headers``: ``List-Unsubscribe`` and
``Message-ID``); a backend that cannot batch gets one message per recipient.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from anymail.backends.base import AnymailBaseBackend
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.cache import caches
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from ..conf import app_settings
from ..models.campaigns import DELIVERY_METADATA_KEY
from .compose import TOKEN_FIELD, TOKEN_SLOT, CampaignMail

#: HTTP statuses of the ESP that are worth another try (the rest of 4xx is permanent).
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
#: Anymail's per-recipient statuses that mean the ESP will not send to that address.
REFUSED_STATUSES = frozenset({"rejected", "invalid", "failed"})


@dataclass
class Recipient:
    pk: int
    email: str
    tracked: bool
    token: str = ""


def sends_batches(backend: str | None = None) -> bool:
    """Whether the site's e-mail backend can send one batch with per-recipient merge data."""
    backend = backend or settings.EMAIL_BACKEND
    if backend in app_settings.CAMPAIGN_UNBATCHED_BACKENDS:
        return False
    try:
        return issubclass(import_string(backend), AnymailBaseBackend)
    except ImportError:
        return False


def batch_size() -> int:
    """Rows per claim: the batch setting, no more than one second's worth of the rate."""
    size = app_settings.CAMPAIGN_BATCH_SIZE
    rate = app_settings.CAMPAIGN_RATE_LIMIT
    return max(1, min(size, int(rate))) if rate > 0 else size


def wait_for_rate(count: int) -> None:
    """Block until ``count`` more messages fit in the site-wide rate (all workers).

    A fixed one-second window counted in the ``RATE_LIMIT_CACHE`` (shared when that cache
    is Redis or Memcached), not Celery's ``rate_limit``, which counts per worker.
    """
    rate = app_settings.CAMPAIGN_RATE_LIMIT
    if rate <= 0:
        return
    cache = caches[app_settings.RATE_LIMIT_CACHE]
    while True:
        now = time.time()
        key = f"wagtail_gdpr_mail:campaign-rate:{settings.EMAIL_BACKEND}:{int(now)}"
        cache.add(key, 0, timeout=5)
        try:
            used = cache.incr(key, count)
        except ValueError:  # the key expired between add and incr
            continue
        if used <= rate or used == count:
            return
        time.sleep(max(0.0, int(now) + 1 - now))


def is_permanent(exc: Exception) -> bool:
    if isinstance(exc, AnymailRecipientsRefused):
        return True
    status = getattr(exc, "status_code", None)
    if isinstance(exc, AnymailAPIError) and status is not None:
        return 400 <= status < 500 and status not in TRANSIENT_STATUSES
    return False


def error_reason(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}{f' {status}' if status else ''}"[:255]


def without_esp_tracking(message: EmailMultiAlternatives) -> EmailMultiAlternatives:
    """The ESP adds no pixel and rewrites no link of its own, whatever the account's
    defaults: only recipients who hold the tracking purpose are tracked, by our own
    pixel and redirects (``tracking.instrument_html``)."""
    message.track_opens = False  # type: ignore[attr-defined]
    message.track_clicks = False  # type: ignore[attr-defined]
    return message


def batch_message(mail: CampaignMail, recipients: list[Recipient], tracked: bool, campaign_id: int):
    slot = app_settings.CAMPAIGN_MERGE_FIELD.format(name=TOKEN_FIELD)
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text.replace(TOKEN_SLOT, slot),
        from_email=mail.from_email,
        to=[r.email for r in recipients],
        reply_to=mail.reply_to,
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(mail.html_for(tracked).replace(TOKEN_SLOT, slot), "text/html")
    message.merge_data = {r.email: {TOKEN_FIELD: r.token} for r in recipients}  # type: ignore[attr-defined]
    message.merge_metadata = {  # type: ignore[attr-defined]
        r.email: {DELIVERY_METADATA_KEY: str(r.pk)} for r in recipients
    }
    message.merge_headers = {  # type: ignore[attr-defined]
        r.email: {
            "List-Unsubscribe": mail.list_unsubscribe(r.token),
            "Message-ID": mail.message_id(r.pk),
        }
        for r in recipients
    }
    message.metadata = {"gdpr_mail_campaign": str(campaign_id)}  # type: ignore[attr-defined]
    return without_esp_tracking(message)


def recipient_message(mail: CampaignMail, recipient: Recipient, campaign_id: int, conn: Any):
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text.replace(TOKEN_SLOT, recipient.token),
        from_email=mail.from_email,
        to=[recipient.email],
        reply_to=mail.reply_to,
        headers={**mail.headers(recipient.token), "Message-ID": mail.message_id(recipient.pk)},
        connection=conn,
    )
    message.attach_alternative(
        mail.html_for(recipient.tracked).replace(TOKEN_SLOT, recipient.token), "text/html"
    )
    message.metadata = {  # type: ignore[attr-defined]
        DELIVERY_METADATA_KEY: str(recipient.pk),
        "gdpr_mail_campaign": str(campaign_id),
    }
    return without_esp_tracking(message)


def recipient_answers(message: Any) -> dict[str, tuple[str, str]]:
    """``{email: (status, ESP message id)}`` from Anymail's answer (empty without one)."""
    status = getattr(message, "anymail_status", None)
    found = getattr(status, "recipients", None) or {}
    return {
        email: (str(getattr(s, "status", "") or ""), str(getattr(s, "message_id", "") or ""))
        for email, s in found.items()
    }

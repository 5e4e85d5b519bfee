"""Open pixels and click redirects, only for recipients who hold the tracking purpose.

ePrivacy Art. 5(3) (and the CNIL's recommendation on pixels in e-mail) allows reading
whether a person opened a mail or clicked a link only with their consent. The site
names the purpose that carries that consent (``WAGTAIL_GDPR_MAIL_TRACKING_PURPOSE``);
without it nobody is tracked. A recipient who holds it when the campaign's recipients
are frozen gets a mail with a 1×1 pixel and links that pass through
:func:`~wagtail_gdpr_mail.campaigns.tracking_views.click`; everyone else gets plain
links and no pixel, and is counted only in aggregate (delivered, bounced).

A click link carries its target signed with :mod:`django.core.signing`, so the redirect
goes only where a campaign of this site pointed (never an open redirect).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..conf import app_settings
from ..mail import default_site, link_url
from ..models import Delivery, ProcessingPurpose, PurposeAssignment

#: Binds a signed click target to this use of the site's secret key.
CLICK_SALT = "wagtail_gdpr_mail.campaign_click"
#: Contacts looked up per query (well below SQLite's limit on query parameters).
LOOKUP_CHUNK = 5000
#: ``<a ... href="...">``; the value group keeps the (HTML-escaped) URL.
LINK = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
PIXEL = (
    '<img src="{src}" width="1" height="1" alt="" '
    'style="display:block;width:1px;height:1px;border:0;" data-gdpr-mail-pixel>'
)


def tracking_purpose() -> ProcessingPurpose | None:
    """The purpose named by ``TRACKING_PURPOSE`` (by name, or by pk), or None."""
    named = app_settings.TRACKING_PURPOSE
    if named in (None, ""):
        return None
    lookup = Q(name=str(named))
    if isinstance(named, int) or str(named).isdigit():
        lookup |= Q(pk=int(named))
    return ProcessingPurpose.objects.filter(lookup).first()


def tracked_contact_ids(campaign: Any, contact_ids: Iterable[int]) -> set[int]:
    """Who among ``contact_ids`` holds the site's tracking purpose validly now."""
    purpose = tracking_purpose()
    if purpose is None or not purpose.is_active:
        return set()
    ids = sorted(set(contact_ids))
    now = timezone.now()
    tracked: set[int] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        tracked.update(
            PurposeAssignment.objects.valid_at(now)
            .filter(purpose=purpose, contact_id__in=ids[start : start + LOOKUP_CHUNK])
            .values_list("contact_id", flat=True)
        )
    return tracked


def still_tracked(delivery: Delivery) -> bool:
    """Whether an open or a click of ``delivery`` may be recorded now: it was a tracked
    mail, its contact still exists and still holds the tracking purpose (consent to
    tracking can be withdrawn after the mail went out)."""
    if not delivery.tracked or delivery.contact_id is None:
        return False
    return bool(tracked_contact_ids(delivery.campaign, [delivery.contact_id]))


def sign_target(url: str) -> str:
    return signing.dumps(url, salt=CLICK_SALT, compress=True)


def unsign_target(signed: str) -> str | None:
    """The target URL of a click link, or None if the signature does not hold."""
    try:
        url = signing.loads(signed, salt=CLICK_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return url if isinstance(url, str) and is_trackable(url) else None


def is_trackable(url: str) -> bool:
    """Only absolute web links go through the redirect (not mailto:, tel:, anchors)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def site_root() -> str:
    """Where the links in campaign mail point: the default site's root URL, with "/"."""
    site = default_site()
    return (site.root_url if site is not None else "") + "/"


def open_url(token: str, root: str = "") -> str:
    return link_url(root, "wagtail_gdpr_mail:campaign_open", token)


def click_url(token: str, target: str, root: str = "") -> str:
    path = reverse("wagtail_gdpr_mail:campaign_click", args=[token, sign_target(target)])
    return urljoin(root or site_root(), path.lstrip("/"))


def instrument_html(html: str, *, token: str, tracked: bool) -> str:
    """``html`` with an open pixel and per-link click redirects when ``tracked``;
    unchanged otherwise. Links that carry the recipient's token already (unsubscribe,
    preference centre) and non-web links are left alone."""
    if not tracked:
        return html
    root = site_root()

    def redirect(match: re.Match[str]) -> str:
        prefix, quote, value = match.groups()
        target = html_lib.unescape(value).strip()
        if not is_trackable(target) or token in target:
            return match.group(0)
        return f"{prefix}{quote}{html_lib.escape(click_url(token, target, root))}{quote}"

    html = LINK.sub(redirect, html)
    pixel = PIXEL.format(src=html_lib.escape(open_url(token, root)))
    closing = re.search(r"</body\s*>", html, re.IGNORECASE)
    if closing is None:
        return html + pixel
    return html[: closing.start()] + pixel + html[closing.start() :]


# --- recording -----------------------------------------------------------------------


def link_expires_at(delivery: Delivery) -> datetime | None:
    """Until when the delivery's token opens the preference centre and records opens
    and clicks: ``PREFERENCE_LINK_DAYS`` after its mail was sent (None: never sent)."""
    sent = delivery.sent_at or delivery.campaign.started_at
    if sent is None:
        return None
    return sent + timedelta(days=app_settings.PREFERENCE_LINK_DAYS)


def token_is_current(delivery: Delivery, now: datetime | None = None) -> bool:
    expires = link_expires_at(delivery)
    return expires is not None and (now or timezone.now()) < expires


def record_open(token: str) -> bool:
    """The first open of a tracked mail sets its ``opened_at``; True if this one did."""
    delivery = Delivery.find_by_token(token)
    if delivery is None or not token_is_current(delivery) or not still_tracked(delivery):
        return False
    return _first(delivery, "opened_at")


def record_click(token: str) -> bool:
    """The first click in a tracked mail sets its ``clicked_at`` (and ``opened_at``, if no
    pixel was loaded: the mail was opened to click); True if this one was the first."""
    delivery = Delivery.find_by_token(token)
    if delivery is None or not token_is_current(delivery) or not still_tracked(delivery):
        return False
    _first(delivery, "opened_at")
    return _first(delivery, "clicked_at")


def _first(delivery: Delivery, field: str) -> bool:
    # One conditional UPDATE: two concurrent requests record once.
    return bool(
        Delivery.objects.filter(pk=delivery.pk, **{f"{field}__isnull": True}).update(
            **{field: timezone.now()}
        )
    )

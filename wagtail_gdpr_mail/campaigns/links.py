"""The root of the absolute links in campaign mail: the default Wagtail site's root URL.

Every message of a campaign carries several links, so the root is read once and kept
for a short while (``ROOT_URL_SECONDS``) instead of one query per message; saving or
deleting a site forgets it at once.
"""

from __future__ import annotations

import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Site

from ..mail import default_site

#: How long the root URL is kept; a site changed by a bulk ``update()`` (no signal) shows
#: in campaign links after at most this long.
ROOT_URL_SECONDS = 60.0

_cached: dict[str, tuple[str, float]] = {}


def base_url() -> str:
    """The default site's root URL with a trailing slash ("/" with no site)."""
    now = time.monotonic()
    found = _cached.get("root")
    if found is not None and found[1] > now:
        return found[0]
    site = default_site()
    url = (site.root_url if site is not None else "") + "/"
    _cached["root"] = (url, now + ROOT_URL_SECONDS)
    return url


@receiver(post_save, sender=Site, dispatch_uid="wagtail_gdpr_mail.campaign_links.site_saved")
@receiver(post_delete, sender=Site, dispatch_uid="wagtail_gdpr_mail.campaign_links.site_deleted")
def forget_base_url(**kwargs: object) -> None:
    _cached.clear()

"""Campaign settings that would break sending (E050, E051) or weaken its guarantees
(W051, W052)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from ..conf import app_settings
from .services import PER_PROCESS_CACHES

#: A lease shorter than this may run out while a slow ESP still takes the batch.
MIN_CAMPAIGN_LEASE_SECONDS = 60


@checks.register()
def check_campaign_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The campaign settings that would break sending (E050, E051) or weaken its
    guarantees (W051, W052)."""
    messages: list[checks.CheckMessage] = []
    merge_field = app_settings.CAMPAIGN_MERGE_FIELD
    try:
        filled = merge_field.format(name="gdpr_token")
    except (KeyError, IndexError, ValueError):
        filled = ""
    if "gdpr_token" not in filled:
        messages.append(
            checks.Error(
                f"{app_settings.setting_name('CAMPAIGN_MERGE_FIELD')} = {merge_field!r} does "
                "not write a merge field: it must hold {name} (braces the ESP needs doubled).",
                hint='E.g. "{{{{{name}}}}}" for {{name}}, "%recipient.{name}%" for Mailgun.',
                id="wagtail_gdpr_mail.E050",
            )
        )
    unbatched = getattr(settings, app_settings.setting_name("CAMPAIGN_UNBATCHED_BACKENDS"), [])
    if isinstance(unbatched, str) or not all(isinstance(b, str) for b in unbatched):
        messages.append(
            checks.Error(
                f"{app_settings.setting_name('CAMPAIGN_UNBATCHED_BACKENDS')} must be a list of "
                "dotted paths of e-mail backends.",
                id="wagtail_gdpr_mail.E051",
            )
        )
    cache = settings.CACHES.get(app_settings.RATE_LIMIT_CACHE, {}).get("BACKEND", "")
    if app_settings.CAMPAIGN_RATE_LIMIT > 0 and cache in PER_PROCESS_CACHES:
        messages.append(
            checks.Warning(
                "The campaign rate limit is counted in a cache of each process "
                f"({cache}): every worker sends at the full rate.",
                hint=f"Point {app_settings.setting_name('RATE_LIMIT_CACHE')} at a shared "
                "cache (Redis, Memcached).",
                id="wagtail_gdpr_mail.W051",
            )
        )
    if app_settings.CAMPAIGN_LEASE_SECONDS < MIN_CAMPAIGN_LEASE_SECONDS:
        messages.append(
            checks.Warning(
                f"{app_settings.setting_name('CAMPAIGN_LEASE_SECONDS')} is below "
                f"{MIN_CAMPAIGN_LEASE_SECONDS}: a batch still with a slow ESP may be taken "
                "over by another worker and sent twice.",
                id="wagtail_gdpr_mail.W052",
            )
        )
    return messages

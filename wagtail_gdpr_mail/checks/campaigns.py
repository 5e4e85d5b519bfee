"""Campaign settings that would break sending (E050, E051) or weaken its guarantees
(W051, W052); the tracking purpose and the preference link's lifetime (E055–E057)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from ..campaigns.tracking import tracking_purpose
from ..conf import app_settings
from ..subscriptions.consent_only import rests_on_consent
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


@checks.register()
def check_campaign_tracking(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The tracking purpose exists and rests on consent (ePrivacy Art. 5(3)); the
    preference link's lifetime is a whole number of days."""
    errors: list[tuple[str, str]] = []
    days = str(app_settings._setting("PREFERENCE_LINK_DAYS", 180))
    if not days.isdigit() or int(days) < 1:
        name = app_settings.setting_name("PREFERENCE_LINK_DAYS")
        errors.append(("E057", f"{name} must be a whole number of days, 1 or more."))
    named, name = app_settings.TRACKING_PURPOSE, app_settings.setting_name("TRACKING_PURPOSE")
    try:
        purpose = tracking_purpose()
        on_consent = purpose is not None and rests_on_consent(purpose)
    except DatabaseError:  # not migrated yet: nothing to check against
        purpose, on_consent = None, True
        named = None
    if named not in (None, "") and purpose is None:
        errors.append(
            (
                "E055",
                f"{name} = {named!r} names no processing purpose (give its name or "
                "primary key); nobody is tracked until it does.",
            )
        )
    elif purpose is not None and not on_consent:
        errors.append(
            (
                "E056",
                f"{name} names “{purpose.name}”, which does not rest on consent. Open "
                "pixels and click tracking need the recipient's consent (ePrivacy Art. 5(3)); "
                "name a purpose on the legal basis “consent”.",
            )
        )
    return [checks.Error(text, id=f"wagtail_gdpr_mail.{code}") for code, text in errors]

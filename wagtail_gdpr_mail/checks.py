"""System checks: refuse to start without usable encryption keys outside DEBUG."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .conf import app_settings
from .crypto import parse_keys
from .exceptions import ConfigurationError


@checks.register(checks.Tags.security, deploy=False)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    level = checks.Warning if settings.DEBUG else checks.Error
    for setting, value, check_id in (
        ("ENCRYPTION_KEYS", app_settings.ENCRYPTION_KEYS, "wagtail_gdpr_mail.E001"),
        ("BLIND_INDEX_KEYS", app_settings.BLIND_INDEX_KEYS, "wagtail_gdpr_mail.E002"),
    ):
        try:
            parse_keys(value, setting)
        except ConfigurationError as exc:
            messages.append(
                level(
                    str(exc),
                    hint="Run `python -m wagtail_gdpr_mail.keygen` for new keys. Keep them "
                    "apart from SECRET_KEY and from database backups.",
                    id=check_id,
                )
            )
    enc, bidx = app_settings.ENCRYPTION_KEYS, app_settings.BLIND_INDEX_KEYS
    if enc and bidx and not messages:
        secrets = {k.secret for k in parse_keys(enc, "ENCRYPTION_KEYS")}
        if secrets & {k.secret for k in parse_keys(bidx, "BLIND_INDEX_KEYS")}:
            messages.append(
                level(
                    f"{app_settings.setting_name('BLIND_INDEX_KEYS')} reuses a key of "
                    f"{app_settings.setting_name('ENCRYPTION_KEYS')}; each needs its own.",
                    id="wagtail_gdpr_mail.E003",
                )
            )
    return messages


@checks.register(checks.Tags.security, deploy=False)
def check_chain_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The consent chain is keyed: without a usable key of its own nothing can be proven
    (and no consent can be recorded)."""
    level = checks.Warning if settings.DEBUG else checks.Error
    try:
        chain = parse_keys(app_settings.CHAIN_KEYS, "CHAIN_KEYS")
    except ConfigurationError as exc:
        return [
            level(
                str(exc),
                hint="Run `python -m wagtail_gdpr_mail.keygen` for a new key. Keep it apart "
                "from SECRET_KEY, the other keys and database backups: whoever holds it can "
                "rewrite the proof of consent.",
                id="wagtail_gdpr_mail.E010",
            )
        ]
    others: set[bytes] = set()
    for setting in ("ENCRYPTION_KEYS", "BLIND_INDEX_KEYS"):
        try:
            others |= {k.secret for k in parse_keys(getattr(app_settings, setting), setting)}
        except ConfigurationError:
            continue  # reported by check_encryption_keys
    if others & {k.secret for k in chain}:
        return [
            level(
                f"{app_settings.setting_name('CHAIN_KEYS')} reuses an encryption or "
                "blind-index key; the consent chain needs a key of its own.",
                id="wagtail_gdpr_mail.E011",
            )
        ]
    return []

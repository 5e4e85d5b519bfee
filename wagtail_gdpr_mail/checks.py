"""System checks: refuse to start outside DEBUG without usable keys or with open ESP webhooks."""

from __future__ import annotations

from typing import Any

from anymail.signals import tracking
from anymail.utils import get_anymail_setting
from django.conf import settings
from django.core import checks

from .conf import app_settings
from .crypto import parse_keys
from .exceptions import ConfigurationError
from .receivers import TRACKING_DISPATCH_UID


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


def tracking_receiver_connected() -> bool:
    """Whether this app's receiver listens to Anymail's tracking events."""
    return any(
        isinstance(lookup_key, tuple) and lookup_key[0] == TRACKING_DISPATCH_UID
        for lookup_key, *_ in tracking.receivers
    )


@checks.register(checks.Tags.security)
def check_webhook_secret(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """ESP events suppress addresses and revoke purposes: their webhooks must be authenticated.

    Anymail accepts unauthenticated webhook calls when ``WEBHOOK_SECRET`` is unset
    (it only warns), so anyone could post a forged complaint and withdraw a
    person's consent. Outside DEBUG that is an error while our receiver listens.
    """
    if not tracking_receiver_connected():
        return []
    secret = get_anymail_setting("webhook_secret", default=None)
    if secret:
        return []
    level = checks.Warning if settings.DEBUG else checks.Error
    return [
        level(
            "Anymail's tracking webhooks accept unauthenticated requests: a forged bounce or "
            "complaint would suppress an address and revoke its purposes.",
            hint='Set ANYMAIL = {"WEBHOOK_SECRET": "<random user>:<random password>", ...} '
            "(from the environment) and put the same credentials into the webhook URL you "
            "give your ESP, e.g. https://user:password@example.com/anymail/sendgrid/tracking/. "
            "See the deployment page of the wagtail-gdpr-mail docs.",
            id="wagtail_gdpr_mail.E010",
        )
    ]


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
                id="wagtail_gdpr_mail.E020",
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
                id="wagtail_gdpr_mail.E021",
            )
        ]
    return []

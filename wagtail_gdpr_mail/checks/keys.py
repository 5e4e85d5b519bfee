"""Keys and webhooks: refuse to start outside DEBUG without usable keys or with open ESP
webhooks (E001–E003, E010, E020–E021, E030–E032)."""

from __future__ import annotations

import hashlib
from typing import Any

from anymail.signals import tracking
from anymail.utils import get_anymail_setting
from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from ..conf import app_settings
from ..crypto import KEY_BYTES, Key, index_keys_in_use, parse_keys
from ..exceptions import ConfigurationError
from ..models import Contact, PendingSignup, Suppression
from ..receivers import TRACKING_DISPATCH_UID


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


#: SHA-256 of the secrets of keys published with this project (the example site's demo
#: keys): anyone can read them, so they protect nothing. Digests, so that nobody copies
#: a key from here.
PUBLISHED_KEY_DIGESTS = {
    "28d5c8524276781e10b4f93b3a17b7b2d1d579ce696f758d7095f71dd4f39bf7",
    "02ec487ab0786bd3ff57539fe22b98c2b10f0f12f1dac4a11b7b46e44f57d48a",
    "abee46a401a7b5f59f992b438947892abab5e545337d0083067f778b723e4804",
}
#: A random 32-byte key holds about 30 different byte values; fewer than this many
#: means a typed phrase, a pattern or a zero-filled buffer, not a random key.
MIN_DISTINCT_BYTES = 16


def _configured_keys() -> list[tuple[str, Key]]:
    keys = []
    for setting in ("ENCRYPTION_KEYS", "BLIND_INDEX_KEYS", "CHAIN_KEYS"):
        try:
            keys += [(setting, key) for key in parse_keys(getattr(app_settings, setting), setting)]
        except ConfigurationError:
            pass  # reported by check_encryption_keys
    return keys


@checks.register(checks.Tags.security, deploy=False)
def check_key_strength(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """No published demo key outside DEBUG, and no key without entropy."""
    messages: list[checks.CheckMessage] = []
    for setting, key in _configured_keys():
        name = app_settings.setting_name(setting)
        if hashlib.sha256(key.secret).hexdigest() in PUBLISHED_KEY_DIGESTS:
            if not settings.DEBUG:
                messages.append(
                    checks.Error(
                        f"{name}: key {key.id!r} is a demo key published with "
                        "wagtail-gdpr-mail; anyone can decrypt what it protects.",
                        hint="Generate your own keys with `python -m wagtail_gdpr_mail.keygen` "
                        "and set them from the environment. Demo keys are for DEBUG only.",
                        id="wagtail_gdpr_mail.E031",
                    )
                )
            continue
        distinct = len(set(key.secret[:KEY_BYTES]))
        if distinct < MIN_DISTINCT_BYTES:
            level = checks.Warning if settings.DEBUG else checks.Error
            messages.append(
                level(
                    f"{name}: key {key.id!r} is not random: its {KEY_BYTES} bytes hold only "
                    f"{distinct} different values (a random key holds about 30).",
                    hint="Generate a random key with `python -m wagtail_gdpr_mail.keygen`; "
                    "never type a key or derive it from a password.",
                    id="wagtail_gdpr_mail.E032",
                )
            )
    return messages


#: (model, blind-index column, what the rows are, how to bring them under a configured key)
_INDEXED = (
    (
        Suppression,
        "address_index",
        "suppressed addresses",
        "Suppressions keep only the hash, never the address, so they cannot be re-keyed: "
        "put key {key!r} back into {setting} (after the current key) and keep it there.",
    ),
    (
        Contact,
        "email_index",
        "contacts",
        "Put key {key!r} back into {setting} (after the current key) and run "
        "`manage.py gdpr_mail_rotate_keys`, which recomputes their indexes.",
    ),
    (
        PendingSignup,
        "email_index",
        "pending signups",
        "Put key {key!r} back into {setting} (after the current key) and run "
        "`manage.py gdpr_mail_rotate_keys`.",
    ),
)


def unconfigured_index_keys(configured_ids: set[str]) -> list[tuple[Any, str, str, str, int]]:
    """(model, key id, what, hint, row count) for blind indexes stored under a key that is
    not in ``configured_ids``: such rows are found by no lookup any more."""
    found = []
    for model, column, what, hint in _INDEXED:
        counts = index_keys_in_use(model._default_manager.all(), column, except_ids=configured_ids)
        found += [(model, key_id, what, hint, n) for key_id, n in counts]
    return found


@checks.register(checks.Tags.security, deploy=False)
def check_stored_index_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every stored blind index must be under a configured key: a suppression hashed
    under a removed key no longer stops its address from being added again."""
    try:
        keys = parse_keys(app_settings.BLIND_INDEX_KEYS, "BLIND_INDEX_KEYS")
    except ConfigurationError:
        return []  # reported by check_encryption_keys
    try:
        found = unconfigured_index_keys({key.id for key in keys})
    except DatabaseError:
        return []  # no database or no tables yet (before `migrate`): nothing stored
    level = checks.Warning if settings.DEBUG else checks.Error
    setting = app_settings.setting_name("BLIND_INDEX_KEYS")
    return [
        level(
            f"{count} {what} are hashed under blind-index key {key_id!r}, which is not in "
            f"{setting}: lookups no longer find them"
            + (", so these addresses can be added again." if model is Suppression else "."),
            hint=hint.format(key=key_id, setting=setting),
            obj=model._meta.label,
            id="wagtail_gdpr_mail.E030",
        )
        for model, key_id, what, hint, count in found
    ]

"""System checks: refuse to start outside DEBUG without usable keys or with open ESP webhooks;
stop where the public URLs are missing; warn where the mail would never leave.

Outside DEBUG each key or webhook problem is an error; in DEBUG a warning (the
demo keys pass silently in DEBUG: the example site uses them on purpose). A
missing URL include is always an error (every page with a form would fail); a
Celery set-up that cannot deliver the app's tasks is a warning (W041–W043).
"""

from __future__ import annotations

import hashlib
from typing import Any

from anymail.signals import tracking
from anymail.utils import get_anymail_setting
from celery import Celery, current_app
from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.urls import NoReverseMatch, reverse

from .campaigns.tracking import tracking_purpose
from .conf import app_settings
from .crypto import KEY_BYTES, Key, index_keys_in_use, parse_keys
from .exceptions import ConfigurationError
from .models import Contact, PendingSignup, Suppression
from .receivers import TRACKING_DISPATCH_UID
from .subscriptions.consent_only import rests_on_consent


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


# --- the public URLs and the Celery app that carries the mail ---------------------------

#: Where the installation page shows how to include the URLs and run a worker.
INSTALLATION_DOCS = "https://wagtail-gdpr-mail.readthedocs.io/en/latest/installation.html"


@checks.register(checks.Tags.urls)
def check_public_urls(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without the app's URLs every page holding a subscription form fails to render
    (``'wagtail_gdpr_mail' is not a registered namespace``)."""
    try:
        reverse("wagtail_gdpr_mail:subscribe")
    except NoReverseMatch:
        return [
            checks.Error(
                "The URLs of wagtail_gdpr_mail are not included: every page with a "
                "subscription form would fail with \"'wagtail_gdpr_mail' is not a "
                'registered namespace", and no confirmation link would open.',
                hint='Add path("gdpr-mail/", include("wagtail_gdpr_mail.urls")) to your '
                "urlpatterns, before Wagtail's own catch-all "
                f'path("", include(wagtail_urls)). See {INSTALLATION_DOCS}',
                id="wagtail_gdpr_mail.E040",
            )
        ]
    except Exception:  # noqa: BLE001 - a broken URLconf is Django's own check's to report
        return []
    return []


#: What Celery publishes to when nobody named a broker (as ``Connection.as_uri()`` shows it).
CELERY_DEFAULT_BROKER = "amqp://guest:**@localhost:5672//"


def celery_app_in_use() -> Celery:
    """The Celery app the outbox publishes the app's tasks with (Celery's current app)."""
    return current_app._get_current_object()


def is_celery_fallback(app: Celery) -> bool:
    """Celery's stand-in, made on first use when the site never created ``Celery(...)``:
    it reads no Django settings, so ``CELERY_*`` settings (eager mode included) do nothing."""
    return app.main == "default" and not app.set_as_current


def _broker_is_celery_default(app: Celery) -> bool:
    if getattr(settings, "CELERY_BROKER_URL", None):
        return False
    try:
        return app.connection_for_write().as_uri() == CELERY_DEFAULT_BROKER
    except Exception:  # noqa: BLE001 - an unknown transport is not this check's to report
        return False


@checks.register("celery")
def check_celery_app(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn where the confirmation mail would silently never leave: no Celery app of the
    site's own, or one that publishes to Celery's default broker by accident.

    No network connection is opened here (checks run with every ``manage.py``
    command); ``check --deploy`` also tries the broker (W043).
    """
    app = celery_app_in_use()
    if is_celery_fallback(app):
        return [
            checks.Warning(
                "No Celery app is configured for this project: the app's tasks (the "
                "confirmation mail among them) go to Celery's default broker "
                f"({CELERY_DEFAULT_BROKER}) and CELERY_* settings, "
                "CELERY_TASK_ALWAYS_EAGER included, have no effect. Visitors are told to "
                "check their mailbox and no mail is sent.",
                hint="Create <project>/celery.py with app = Celery(...) and "
                'app.config_from_object("django.conf:settings", namespace="CELERY"), and '
                "import it in <project>/__init__.py. See the Celery section of "
                f"{INSTALLATION_DOCS}",
                id="wagtail_gdpr_mail.W041",
            )
        ]
    if app.conf.task_always_eager:
        return []
    if _broker_is_celery_default(app):
        return [
            checks.Warning(
                "No Celery broker is configured: the app's tasks (the confirmation mail "
                f"among them) are published to Celery's default {CELERY_DEFAULT_BROKER}.",
                hint='Set CELERY_BROKER_URL (e.g. "redis://localhost:6379/0", from the '
                "environment) and run a worker on it; in development, "
                "CELERY_TASK_ALWAYS_EAGER = True sends mail in the web process. "
                f"See {INSTALLATION_DOCS}",
                id="wagtail_gdpr_mail.W042",
            )
        ]
    return []


#: Seconds ``check --deploy`` waits for the broker.
BROKER_PROBE_TIMEOUT = 2.0


@checks.register("celery", deploy=True)
def check_celery_broker_reachable(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``check --deploy`` only: connect to the broker once, briefly."""
    app = celery_app_in_use()
    if is_celery_fallback(app) or app.conf.task_always_eager:
        return []  # W041 speaks for the first; the second never publishes
    connection = None
    try:
        connection = app.connection_for_write(connect_timeout=BROKER_PROBE_TIMEOUT)
        connection.ensure_connection(max_retries=0, timeout=BROKER_PROBE_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the finding
        where = connection.as_uri() if connection is not None else "configured"
        return [
            checks.Warning(
                f"The Celery broker {where} cannot be reached ({type(exc).__name__}): "
                "the app's mail stays queued until it can.",
                hint="Start the broker, or correct CELERY_BROKER_URL.",
                id="wagtail_gdpr_mail.W043",
            )
        ]
    finally:
        if connection is not None:
            connection.release()
    return []


@checks.register()
def check_storage_limitation(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The storage-limitation settings make sense, before the daily job trips over them."""
    messages: list[checks.CheckMessage] = []
    try:
        _mode = app_settings.STORAGE_AUTO_ERASE  # reading it validates it
    except ConfigurationError as exc:
        messages.append(checks.Error(str(exc), id="wagtail_gdpr_mail.E044"))
    try:
        grace_days = app_settings.STORAGE_GRACE_DAYS
    except (TypeError, ValueError):
        grace_days = -1
    if grace_days < 0:
        messages.append(
            checks.Error(
                f"{app_settings.setting_name('STORAGE_GRACE_DAYS')} must be a whole number "
                "of days, 0 or more.",
                id="wagtail_gdpr_mail.E045",
            )
        )
    return messages


#: Caches that live in one process: a rate counted there is not shared by the workers.
PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
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
    if app_settings.CAMPAIGN_RATE_LIMIT > 0 and cache in PROCESS_LOCAL_CACHES:
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

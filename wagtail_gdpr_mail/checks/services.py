"""The services the app needs: its public URLs, the Celery app that carries the mail
(E040, W041–W043) and a cache shared by every process (E090–E091, W090)."""

from __future__ import annotations

from typing import Any

from celery import Celery, current_app
from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse

from ..conf import app_settings

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


# --- the cache the rate limits and the quiet period count in ----------------------------

#: Backends whose data lives in one process: behind several web processes each would
#: count on its own (N × every limit), and two submissions of one address reaching two
#: processes would both pass the quiet period (two confirmation mails).
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "keeps its counts in each process",
    "django.core.cache.backends.dummy.DummyCache": "counts nothing",
}
#: Shared by the processes of one machine only, and its ``add`` is not atomic.
FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"


@checks.register(checks.Tags.caches)
def check_shared_rate_limit_cache(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Outside DEBUG the rate limits and the quiet-period guard need a cache every web
    process and worker shares (Redis, Memcached, the database cache)."""
    if settings.DEBUG:
        return []  # the development server is one process
    setting = app_settings.setting_name("RATE_LIMIT_CACHE")
    alias = app_settings.RATE_LIMIT_CACHE
    caches_setting = getattr(settings, "CACHES", {})
    if alias not in caches_setting:
        return [
            checks.Error(
                f"{setting} names the cache {alias!r}, which is not in CACHES: every "
                "subscription and self-service request would fail.",
                hint=f"Add {alias!r} to CACHES or set {setting} to one of "
                f"{sorted(caches_setting)}.",
                id="wagtail_gdpr_mail.E091",
            )
        ]
    backend = caches_setting[alias].get("BACKEND", "")
    hint = (
        f'Point CACHES[{alias!r}] (or {setting}) at a shared cache, e.g. {{"BACKEND": '
        '"django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://…"}. '
        "See the deployment page of the wagtail-gdpr-mail docs."
    )
    if backend in PER_PROCESS_CACHES:
        return [
            checks.Error(
                f"The cache {alias!r} that counts the rate limits and guards the quiet "
                f"period is {backend.rsplit('.', 1)[-1]}, which {PER_PROCESS_CACHES[backend]}: "
                "with several web processes the limits multiply and one address can be "
                "sent two confirmation mails at once.",
                hint=hint,
                id="wagtail_gdpr_mail.E090",
            )
        ]
    if backend == FILE_CACHE:
        return [
            checks.Warning(
                f"The cache {alias!r} that counts the rate limits is FileBasedCache: shared "
                "only by the processes of one machine, and its add() is not atomic, so two "
                "submissions of one address at the same moment can both pass the quiet "
                "period.",
                hint=hint,
                id="wagtail_gdpr_mail.W090",
            )
        ]
    return []

"""``manage.py check`` tells a developer what the installation missed, before a visitor
finds out: the app's URLs not included (every page with a form would fail), no Celery
app of the site's own, no broker, or a broker that cannot be reached (``--deploy``).

Celery's current app is swapped the way a site's own ``celery.py`` sets it (or, for
"no app", left empty, so that Celery makes its stand-in exactly as it does for a site
without ``celery.py``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery import Celery, _state
from celery.contrib.testing.app import setup_default_app
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.helpers.services import need, redis_available

REDIS_URL = "redis://127.0.0.1:6379/13"


@contextmanager
def celery_app_in_use(app: Celery | None) -> Iterator[None]:
    """``app`` is Celery's current app, as a site's ``celery.py`` makes it; ``None``: the
    site has no Celery app. The test project's app is back afterwards."""
    previous = _state.get_current_app()
    with setup_default_app(previous):
        _state.set_default_app(app)
        _state._tls.current_app = app
        yield


def site_app() -> Celery:
    """A site's ``celery.py``: ``Celery(...)`` reading the ``CELERY_*`` settings."""
    app = Celery("mysite", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


def check(*args: str) -> str:
    """``manage.py check <args>``: what it writes to stderr, where warnings go."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("check", *args, stdout=stdout, stderr=stderr)
    return stderr.getvalue() + stdout.getvalue()


@pytest.fixture
def no_broker_in_the_environment(monkeypatch):
    """Celery reads ``CELERY_BROKER_URL`` from the environment too."""
    for name in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL"):
        monkeypatch.delenv(name, raising=False)


# --- URLs ------------------------------------------------------------------------------


def test_a_site_without_the_apps_urls_does_not_start(settings):
    settings.ROOT_URLCONF = "tests.installation.urls_without_the_app"
    with pytest.raises(SystemCheckError) as raised:
        check("--tag", "urls")
    message = str(raised.value)
    assert "wagtail_gdpr_mail.E040" in message
    assert "'wagtail_gdpr_mail' is not a registered namespace" in message
    assert 'path("gdpr-mail/", include("wagtail_gdpr_mail.urls"))' in message


def test_a_site_with_the_apps_urls_passes():
    assert "wagtail_gdpr_mail" not in check("--tag", "urls")


# --- Celery ------------------------------------------------------------------------------


def test_without_a_celery_app_the_check_warns_even_with_eager_mode_set(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # does nothing without an app that reads it
    with celery_app_in_use(None):
        output = check("--tag", "celery")
    assert "wagtail_gdpr_mail.W041" in output
    assert "No Celery app is configured for this project" in output
    assert "celery.py" in output


def test_a_celery_app_without_a_broker_setting_warns(settings, no_broker_in_the_environment):
    del settings.CELERY_BROKER_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_app_in_use(site_app()):
        output = check("--tag", "celery")
    assert "wagtail_gdpr_mail.W042" in output
    assert "amqp://guest:**@localhost:5672//" in output
    assert "W041" not in output


def test_a_celery_app_in_eager_mode_needs_no_broker(settings, no_broker_in_the_environment):
    del settings.CELERY_BROKER_URL
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with celery_app_in_use(site_app()):
        assert "wagtail_gdpr_mail" not in check("--tag", "celery")


def test_a_celery_app_with_a_broker_passes(settings, no_broker_in_the_environment):
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_app_in_use(site_app()):
        assert "wagtail_gdpr_mail" not in check("--tag", "celery")


def test_the_test_projects_own_set_up_passes():
    assert "wagtail_gdpr_mail" not in check("--tag", "celery")


def test_check_deploy_reports_a_broker_it_cannot_reach(settings, no_broker_in_the_environment):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_app_in_use(site_app()):
        assert "W043" not in check("--tag", "celery")  # no connection without --deploy
        output = check("--deploy", "--tag", "celery")
    assert "wagtail_gdpr_mail.W043" in output
    assert "redis://:**@127.0.0.1:1/0 cannot be reached" in output


def test_check_deploy_is_quiet_about_a_broker_it_reaches(settings, no_broker_in_the_environment):
    need(redis_available(REDIS_URL), "Redis")
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_app_in_use(site_app()):
        assert "wagtail_gdpr_mail" not in check("--deploy", "--tag", "celery")


def test_a_broker_url_celery_cannot_read_is_reported_not_a_crash(
    settings, no_broker_in_the_environment
):
    settings.CELERY_BROKER_URL = "no-such-transport://somewhere/"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_app_in_use(site_app()):
        assert "wagtail_gdpr_mail" not in check("--tag", "celery")
        output = check("--deploy", "--tag", "celery")
    assert "wagtail_gdpr_mail.W043" in output

"""The confirmation mail through a real Celery worker on a real Redis broker.

The worker is a subprocess (``celery -A tests.test_project worker --pool=solo``) on the
PostgreSQL test database, so the tests are transactional: what this process writes
is committed and the worker sees it. The worker writes mail to a file outbox in
``tmp_path``. It relies on tests/test_project/settings.py honouring, from the environment,
``TEST_EMAIL_BACKEND`` and ``EMAIL_FILE_PATH``
and ``CELERY_BROKER_URL`` (a broker URL switches eager mode off), and on its
``CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 10}``.

Locally, Redis is on 127.0.0.1:6379; the broker uses database 12 (override with
``TEST_CELERY_WORKER_BROKER_URL``), flushed before and after each test. Without
Redis the tests skip, except in CI where they fail.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from email.message import Message
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.helpers.links import CONFIRM_LINK
from tests.helpers.mail_files import sent_mail, text_of
from tests.helpers.processes import ROOT, Worker, wait_for
from tests.helpers.services import database_is_postgres, database_url, need, redis_available
from tests.helpers.subscribing import make_visitor, press_confirm, subscribe
from wagtail_gdpr_mail import tasks
from wagtail_gdpr_mail.conf import app_settings
from wagtail_gdpr_mail.models import Contact
from wagtail_gdpr_mail.models.signups import PendingSignup, SignupToken

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BROKER_URL = os.environ.get("TEST_CELERY_WORKER_BROKER_URL", "redis://127.0.0.1:6379/12")
VISIBILITY_TIMEOUT = 10  # tests/test_project/settings.py: CELERY_BROKER_TRANSPORT_OPTIONS
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL = "worker.test@example.cz"


@pytest.fixture
def redis_broker():
    need(redis_available(BROKER_URL), "Redis")
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def _reset_producer_pool(app) -> None:
    """Forget connections made for the previous broker URL (kombu keeps them globally)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def publish_to_broker(redis_broker):
    """This process publishes tasks to the real broker instead of running them eagerly."""
    from tests.test_project.celery import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.broker_url, app.conf.task_always_eager = BROKER_URL, False
    _reset_producer_pool(app)
    yield app
    _reset_producer_pool(app)
    app.conf.broker_url, app.conf.task_always_eager = (
        saved["broker_url"],
        saved["task_always_eager"],
    )


@pytest.fixture
def outbox(tmp_path) -> Path:
    path = tmp_path / "outbox"
    path.mkdir()
    return path


@pytest.fixture
def start_worker(publish_to_broker, outbox, tmp_path, settings):
    """Start a worker on the test database and the test broker: ``start_worker(**env)``."""
    need(database_is_postgres(), "PostgreSQL")
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0
    workers: list[Worker] = []

    def start(**extra_env: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.test_project.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "TEST_EMAIL_BACKEND": FILE_BACKEND,
            "EMAIL_FILE_PATH": str(outbox),
            **extra_env,
        }
        worker = Worker(env, tmp_path / f"worker-{len(workers) + 1}.log")
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.kill()


def mail_status(status: str) -> Callable[[], bool]:
    return lambda: PendingSignup.objects.filter(mail_status=status).exists()


def visitor_subscribes(sp) -> None:
    response = subscribe(make_visitor(), sp.url, sp.form_id, email=EMAIL, first_name="Vilém")
    assert response.status_code == 302


def confirm_from(message: Message) -> None:
    (link,) = set(CONFIRM_LINK.findall(text_of(message)))
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = press_confirm(Client(), "/" + path)
    assert response.status_code == 200
    assert Contact.objects.by_email(EMAIL).exists()


def test_the_worker_sends_the_confirmation_mail(subscription_page, start_worker, outbox):
    worker = start_worker()
    visitor_subscribes(subscription_page)
    messages = wait_for(lambda: sent_mail(outbox), 20, "the confirmation mail", worker)
    wait_for(mail_status("sent"), 10, "the row to be marked sent", worker)
    (message,) = messages
    assert message["To"] == EMAIL
    assert message["Subject"] == "Please confirm your subscription"
    assert "Hello Vilém," in text_of(message)
    signup = PendingSignup.objects.get()
    assert signup.mail_attempts == 1 and signup.mail_sent_at is not None
    confirm_from(message)


def test_a_worker_killed_while_sending_leaves_the_mail_to_the_next_one(
    subscription_page, start_worker, outbox, redis_broker
):
    """The ESP takes 4 s; the worker is killed -9 while it waits, before the mail left.

    The task is ``acks_late``, so Redis still holds the message as unacked. Once it is
    older than the visibility timeout (10 s in tests/test_project/settings.py), a worker that
    starts restores it to the queue (kombu scans for such messages when the worker's
    event loop starts, then only every ``unacked_restore_interval`` ×
    ``unacked_restore_throttle`` = 100 s by default — hence the wait before the second
    worker starts). The new worker counts a second attempt, issues a second token
    and sends.

    Duplicates observed: none — exactly one mail in the outbox, because the first
    worker died before its ESP call returned. (Had it died after the ESP accepted the
    mail but before the row was marked sent, the visitor would get two mails with
    two different links, either of which confirms once: at-least-once delivery.)
    """
    first = start_worker(
        TEST_EMAIL_BACKEND="tests.helpers.mail_backends.SlowFileBackend", GDPR_TEST_SLOW_SECONDS="4"
    )
    visitor_subscribes(subscription_page)
    wait_for(lambda: PendingSignup.objects.filter(mail_attempts=1).exists(), 15, "the task", first)
    time.sleep(0.5)  # well inside the ESP's 4 s
    first.kill()
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.QUEUED and signup.mail_attempts == 1
    assert sent_mail(outbox) == []
    unacked = redis_broker.zrange("unacked_index", 0, -1, withscores=True)
    assert len(unacked) == 1, "the broker should still hold the unacknowledged message"
    delivered_at = unacked[0][1]
    time.sleep(max(0.0, delivered_at + VISIBILITY_TIMEOUT + 1 - time.time()))

    second = start_worker(
        TEST_EMAIL_BACKEND="tests.helpers.mail_backends.SlowFileBackend", GDPR_TEST_SLOW_SECONDS="1"
    )
    # Normally the worker's first scan finds the message; on a loaded machine the scan can
    # miss it by a moment, and the next one comes 100 s later: wait for that too.
    messages = wait_for(lambda: sent_mail(outbox), 130, "the mail after recovery", second)
    wait_for(mail_status("sent"), 10, "the row to be marked sent", second)
    time.sleep(1)  # would a duplicate follow?
    assert len(sent_mail(outbox)) == 1
    signup.refresh_from_db()
    assert signup.mail_attempts == 2
    assert SignupToken.objects.filter(signup=signup).count() == 2
    confirm_from(messages[0])


def test_after_a_killed_worker_the_sweeper_queues_the_mail_again(
    subscription_page, start_worker, outbox
):
    """The same crash, recovered by the periodic sweeper instead of the broker."""
    slow = {"TEST_EMAIL_BACKEND": "tests.helpers.mail_backends.SlowFileBackend"}
    first = start_worker(**slow, GDPR_TEST_SLOW_SECONDS="4")
    visitor_subscribes(subscription_page)
    wait_for(lambda: PendingSignup.objects.filter(mail_attempts=1).exists(), 15, "the task", first)
    first.kill()
    second = start_worker(**slow, GDPR_TEST_SLOW_SECONDS="0")
    assert tasks.sweep_unsent_mail() == 0  # the last attempt is recent: leave it be
    PendingSignup.objects.update(
        mail_last_attempt_at=timezone.now()
        - timezone.timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES + 1)
    )
    assert tasks.sweep_unsent_mail() == 1  # published to Redis, not run here
    messages = wait_for(lambda: sent_mail(outbox), 20, "the swept mail", second)
    wait_for(mail_status("sent"), 10, "the row to be marked sent", second)
    assert len(messages) == 1
    assert PendingSignup.objects.get().mail_attempts == 2
    confirm_from(messages[0])


def test_esp_errors_are_retried_by_the_worker_and_the_mail_goes_out_once(
    subscription_page, start_worker, outbox, tmp_path
):
    """The ESP refuses the first attempt; the task is retried through the broker
    after its backoff (the worker's MAIL_RETRY_BASE_SECONDS is the default, 10 s)."""
    counter = tmp_path / "esp-calls"
    worker = start_worker(
        TEST_EMAIL_BACKEND="tests.helpers.mail_backends.FileFlakyBackend",
        GDPR_TEST_ESP_COUNTER=str(counter),
        GDPR_TEST_ESP_FAIL_FIRST="1",
    )
    visitor_subscribes(subscription_page)
    wait_for(lambda: counter.exists(), 15, "the first attempt", worker)
    assert sent_mail(outbox) == []
    messages = wait_for(lambda: sent_mail(outbox), 30, "the retried mail", worker)
    wait_for(mail_status("sent"), 10, "the row to be marked sent", worker)
    time.sleep(1)
    assert len(sent_mail(outbox)) == 1 and len(messages) == 1
    assert counter.read_text() == "2"
    signup = PendingSignup.objects.get()
    assert signup.mail_attempts == 2
    assert re.search(r"Retry in \d+", worker.output())
    confirm_from(messages[0])

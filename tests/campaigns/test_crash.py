"""A real Celery worker on Redis is killed with SIGKILL in the middle of a 2,000-recipient
campaign; after a restart every recipient has exactly one message at the ESP.

The worker (``celery -A tests.test_project worker --pool=solo``) runs on the PostgreSQL
test database (``SELECT … FOR UPDATE SKIP LOCKED``) and sends through
``IdempotentFileEsp``: Anymail's test backend keeping one file per accepted message,
each send call taking 0.3 s, so the kill lands while batches are on their way. Like an
ESP with an idempotency key, it accepts a message whose Message-ID it already has
without storing it again, and counts such copies: they are the documented window (the
ESP accepted the batch, the worker died before marking its rows), at most one batch.

Redis database 9 (``TEST_CAMPAIGN_BROKER_URL``), flushed before and after.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import TestCase

from tests.helpers.campaign_seed import recipient_address, seed_recipients
from tests.helpers.processes import ROOT, Worker, wait_for
from tests.helpers.services import database_is_postgres, need, redis_available
from wagtail_gdpr_mail.campaigns import lifecycle
from wagtail_gdpr_mail.campaigns.demo import demo_campaign
from wagtail_gdpr_mail.campaigns.tasks import start_due_campaigns
from wagtail_gdpr_mail.models import CampaignStatus, DeliveryStatus

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BROKER_URL = os.environ.get("TEST_CAMPAIGN_BROKER_URL", "redis://127.0.0.1:6379/9")
RECIPIENTS = 2000
BATCH = 100
LEASE = 3


@pytest.fixture
def broker():
    need(redis_available(BROKER_URL), "Redis")
    import redis

    from tests.test_project.celery import app

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = BROKER_URL, False
    _forget_connections(app)
    yield client
    app.conf.broker_url, app.conf.task_always_eager = saved
    _forget_connections(app)
    client.flushdb()


def _forget_connections(app) -> None:
    """Drop the producers made for the previous broker URL (kombu keeps them globally)."""
    from kombu import pools

    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def _database_url() -> str:
    db = connection.settings_dict
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db.get('USER') or 'postgres'}@{host}:{port}/{db['NAME']}"


def _worker(esp: Path, log: Path) -> Worker:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.test_project.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "TEST_EMAIL_BACKEND": "tests.helpers.mail_backends.IdempotentFileEsp",
        "GDPR_TEST_ESP_DIR": str(esp),
        "GDPR_TEST_SLOW_SECONDS": "0.3",
        "GDPR_TEST_CAMPAIGN_LEASE": str(LEASE),
        "GDPR_TEST_CAMPAIGN_BATCH": str(BATCH),
    }
    return Worker(env, log).start()


def _accepted(esp: Path) -> list[str]:
    return [p.read_text() for p in esp.iterdir() if p.name != "duplicates"]


def test_a_worker_killed_mid_campaign_leaves_every_recipient_exactly_one_message(
    broker, tmp_path, purpose, contact_list
):
    need(database_is_postgres(), "PostgreSQL")
    esp = tmp_path / "esp"
    esp.mkdir()
    seed_recipients(RECIPIENTS, purpose, contact_list)
    campaign = demo_campaign(purpose, contact_list)
    workers = []
    try:
        workers.append(_worker(esp, tmp_path / "worker-1.log"))
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert lifecycle.start(campaign) == RECIPIENTS
        sent = campaign.deliveries.filter(status=DeliveryStatus.SENT)
        wait_for(lambda: sent.count() >= 500, 120, "500 sent", workers[0])
        workers[0].kill()
        killed_at = sent.count()
        assert killed_at < RECIPIENTS, "the worker finished before it was killed"
        assert campaign.deliveries.exclude(status=DeliveryStatus.SENT).exists()

        time.sleep(LEASE + 1)  # the dead worker's lease runs out
        workers.append(_worker(esp, tmp_path / "worker-2.log"))
        start_due_campaigns()  # what the minutely beat entry does
        campaign.refresh_from_db()
        wait_for(
            lambda: campaign.deliveries.filter(status=DeliveryStatus.SENT).count() == RECIPIENTS,
            180,
            "every recipient sent",
            workers[1],
        )
        wait_for(
            lambda: type(campaign).objects.get(pk=campaign.pk).status == CampaignStatus.SENT,
            60,
            "the campaign finished",
            workers[1],
        )
    finally:
        for worker in workers:
            worker.kill()

    accepted = _accepted(esp)
    assert len(accepted) == RECIPIENTS
    assert sorted(accepted) == sorted(recipient_address(i) for i in range(RECIPIENTS))
    duplicates = esp / "duplicates"
    copies = duplicates.read_text().splitlines() if duplicates.exists() else []
    assert len(copies) <= BATCH, f"{len(copies)} copies: more than the one batch in flight"
    print(f"killed after {killed_at} sent; copies the ESP dropped: {len(copies)}")

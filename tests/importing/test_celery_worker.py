"""An import run by a real Celery worker on Redis, resuming after a dead worker's batch.

Reuses the worker fixtures of tests/subscriptions/test_celery_worker.py (the
subprocess worker, the broker, the PostgreSQL test database, hence transactional).
Run with ``TEST_CELERY_WORKER_BROKER_URL`` to pick the Redis database.
"""

from __future__ import annotations

import os
import tempfile

import pytest
from django.db import transaction

from tests.helpers.importing import assign, make_job
from tests.subscriptions.test_celery_worker import (  # noqa: F401 - fixtures
    outbox,
    publish_to_broker,
    redis_broker,
    start_worker,
    wait_for,
)
from wagtail_gdpr_mail.importing import run, tasks
from wagtail_gdpr_mail.models import ConsentRecord, Contact, ImportJob

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_worker_finishes_an_import_a_dead_worker_began(
    request, write_file, purpose, settings, monkeypatch
):
    # The worker reads the default import directory: share it with this process.
    settings.WAGTAIL_GDPR_MAIL_IMPORT_DIR = os.path.join(
        tempfile.gettempdir(), "wagtail-gdpr-mail-imports"
    )
    settings.WAGTAIL_GDPR_MAIL_IMPORT_BATCH_SIZE = 4
    content = "email,first name\n" + "".join(f"w{n}@example.cz,W{n}\n" for n in range(10))
    job = make_job(write_file(content), purposes=[assign(purpose)])
    run.check(job)

    calls = []

    def die(job, row):
        calls.append(row)
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(run, "batch_hook", die)
    with pytest.raises(RuntimeError):
        run.run(job.pk)
    monkeypatch.setattr(run, "batch_hook", None)
    job.refresh_from_db()
    assert job.cursor == 5 and Contact.objects.count() == 4  # rows 2-5 committed
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
        tasks.start(job)
    worker = request.getfixturevalue("start_worker")()

    def finished() -> bool:
        job.refresh_from_db()
        return job.state == ImportJob.State.DONE

    wait_for(finished, 60, "the import to finish", worker)
    assert (job.created, job.skipped) == (10, 0)
    assert ConsentRecord.objects.filter(purpose=purpose).count() == 10
    assert not job.file_path

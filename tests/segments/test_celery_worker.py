"""A bulk operation worked off by a real Celery worker on a real Redis broker, resuming
after a batch that an earlier (dead) worker committed.

Reuses the worker fixtures of tests/subscriptions/test_celery_worker.py (the
subprocess worker, the broker, the PostgreSQL test database, hence transactional).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.subscriptions.test_celery_worker import (  # noqa: F401 - fixtures
    outbox,
    publish_to_broker,
    redis_broker,
    start_worker,
    wait_for,
)
from wagtail_gdpr_mail.models import BulkOperation, ConsentRecord, ListMembership
from wagtail_gdpr_mail.segments import bulk, tasks

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_worker_runs_the_operation_and_another_resumes_it(
    request, make_contact, purpose, contact_list
):
    contacts = [make_contact() for _ in range(30)]
    ListMembership.objects.bulk_create(
        ListMembership(contact=c, contact_list=contact_list) for c in contacts
    )
    operation = bulk.create_operation(
        kind="assign", purpose=purpose, contact_list=contact_list, note="Worker test"
    )
    # A first worker did one batch, then died (its work committed with its progress).
    assert bulk.run_batch(operation.pk, batch_size=7)
    worker = request.getfixturevalue("start_worker")()
    with transaction.atomic():
        tasks.start(operation)

    def finished() -> bool:
        operation.refresh_from_db()
        return operation.state == BulkOperation.State.DONE

    wait_for(finished, 30, "the operation to finish", worker)
    assert (operation.done, operation.changed) == (30, 30)
    assert ConsentRecord.objects.filter(purpose=purpose).count() == 30
    assert purpose.assignments.count() == 30

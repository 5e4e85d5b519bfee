"""Renew and object links pressed, and the expiry task run, at the same moment on a
SQLite database *file*.

Not collected by the normal run (no ``test_`` prefix): ``test_lifecycle_races_on_sqlite.py``
runs it in a pytest of its own on a temporary database file, where SQLite's locking shows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.helpers.links import object_path, renew_path
from tests.helpers.races import race
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.consent.expiry import record_expiries
from wagtail_gdpr_mail.consent.notice import queue_notices
from wagtail_gdpr_mail.consent.reconsent import queue_reconsent_mail
from wagtail_gdpr_mail.models import ConsentRecord, ContactSource, LegalBasis, RetentionUnit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PRESSES = 6


@pytest.fixture(autouse=True)
def _on_a_file():
    assert connection.vendor == "sqlite" and not connection.is_in_memory_db(), (
        "run through test_lifecycle_races_on_sqlite.py, on a database file"
    )


def _press(path: str) -> list[int]:
    responses = race(PRESSES, lambda i: Client(REMOTE_ADDR=f"192.0.2.{i + 1}").post(path))
    assert all(not isinstance(r, Exception) for r in responses), responses
    return sorted(r.status_code for r in responses)


def test_simultaneous_presses_of_one_renew_link_renew_once(make_purpose, contact):
    purpose = make_purpose("Newsletter", years=1, reconsent_enabled=True)
    start = timezone.now() - timedelta(days=360)
    assign_purpose(contact, purpose, source=ContactSource.FORM, valid_from=start)
    queue_reconsent_mail()
    statuses = _press(renew_path(mail.outbox[-1]))
    assert statuses.count(200) == 1 and set(statuses) <= {200, 404, 503}, statuses
    assert ConsentRecord.objects.filter(event=ConsentRecord.Event.RENEWED).count() == 1


def test_simultaneous_presses_of_one_object_link_object_once(make_purpose, contact):
    purpose = make_purpose(
        "Customer care", legal_basis=LegalBasis.objects.get(code="legitimate_interest")
    )
    assign_purpose(contact, purpose, source=ContactSource.IMPORT)
    queue_notices(purpose.pk, "3d2b1f7e-6a0c-4e7b-9a51-8c2d4f6b0e19")
    statuses = _press(object_path(mail.outbox[-1]))
    assert statuses.count(200) == 1 and set(statuses) <= {200, 404, 503}, statuses
    assert ConsentRecord.objects.filter(event=ConsentRecord.Event.REVOKED).count() == 1


def test_two_expiry_runs_at_once_write_each_record_once(make_purpose, make_contact, clock):
    purpose = make_purpose("Short", years=1)
    purpose.retention_unit = RetentionUnit.DAYS
    purpose.save()
    for _ in range(12):
        assign_purpose(make_contact(), purpose, source=ContactSource.FORM)
    clock.advance(days=2)
    results = race(2, lambda _i: record_expiries(batch_size=3))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 12
    expired = ConsentRecord.objects.filter(event=ConsentRecord.Event.EXPIRED)
    assert expired.count() == expired.values("assignment").distinct().count() == 12

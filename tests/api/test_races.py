"""Requests at the same moment (PostgreSQL): one contact, one stored answer, never a 500."""

from __future__ import annotations

import pytest

from tests.helpers.races import race
from wagtail_gdpr_mail.models import ConsentRecord, Contact, IdempotentRequest

from .conftest import ApiClient, make_key

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW = {"email": "race@example.com", "first_name": "Rita"}


def test_the_same_idempotency_key_at_once_creates_one_contact():
    _key, raw = make_key()
    headers = {"Idempotency-Key": "at-once"}
    results = race(4, lambda i: ApiClient(raw).post("contacts/", NEW, headers=headers))
    statuses = sorted(r.status_code for r in results)
    assert statuses[0] == 201 and set(statuses) <= {201, 409}, statuses
    assert Contact.objects.count() == 1
    assert IdempotentRequest.objects.get().status == 201
    # Every retry afterwards gets the stored answer.
    again = ApiClient(raw).post("contacts/", NEW, headers=headers)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"


def test_the_same_address_at_once_is_one_contact_and_conflicts(purpose):
    _key, raw = make_key()
    data = {**NEW, "purposes": [purpose.pk], "proof_note": "fair"}
    results = race(4, lambda i: ApiClient(raw).post("contacts/", data))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201, 409, 409, 409], statuses
    assert Contact.objects.count() == 1
    assert ConsentRecord.objects.count() == 1


def test_one_assignment_from_concurrent_assigns(contact, purpose):
    _key, raw = make_key()
    path = f"contacts/{contact.pk}/assignments/"
    data = {"purpose": purpose.pk, "proof_note": "phone"}
    results = race(4, lambda i: ApiClient(raw).post(path, data))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 200, 200, 201], statuses
    assert contact.assignments.count() == 1

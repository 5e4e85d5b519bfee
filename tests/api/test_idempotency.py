"""``Idempotency-Key``: a retried POST gets the first answer; the key on another body is 422."""

from __future__ import annotations

import pytest
from django.db import connection

from wagtail_gdpr_mail.models import ConsentRecord, Contact, IdempotentRequest

from .conftest import assert_problem

pytestmark = pytest.mark.django_db

NEW = {"email": "petr@example.com", "first_name": "Petr"}


def test_a_retry_replays_the_first_answer(api):
    headers = {"Idempotency-Key": "order-1234"}
    first = api.post("contacts/", NEW, headers=headers)
    again = api.post("contacts/", NEW, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1
    # Without the key the same body is a new request: the address exists now.
    assert_problem(api.post("contacts/", NEW), 409)


def test_the_stored_answer_is_encrypted_and_the_key_hashed(api):
    api.post("contacts/", NEW, headers={"Idempotency-Key": "order-1234"})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {IdempotentRequest._meta.db_table}")  # noqa: S608
        row = str(cursor.fetchall())
    assert "petr@example.com" not in row and "order-1234" not in row
    assert IdempotentRequest.objects.get().body["email"] == "petr@example.com"


def test_the_same_key_with_another_body_is_refused(api):
    headers = {"Idempotency-Key": "order-1234"}
    api.post("contacts/", NEW, headers=headers)
    body = assert_problem(
        api.post("contacts/", {**NEW, "first_name": "Pavel"}, headers=headers), 422
    )
    assert body["type"].endswith("idempotency-key-reused")
    assert Contact.objects.get().first_name == "Petr"


def test_keys_belong_to_one_api_key(api_as):
    headers = {"Idempotency-Key": "same"}
    first = api_as("write_contacts").post("contacts/", NEW, headers=headers)
    other = api_as("write_contacts").post("contacts/", NEW, headers=headers)
    assert first.status_code == 201
    assert_problem(other, 409)  # a different key's request: the address exists


def test_a_refused_request_is_not_stored(api):
    headers = {"Idempotency-Key": "k1"}
    assert_problem(api.post("contacts/", {"email": "bad"}, headers=headers), 400)
    assert not IdempotentRequest.objects.exists()
    assert api.post("contacts/", {"email": "bad"}, headers=headers).status_code == 400


def test_a_request_still_running_is_a_conflict(api, contact, purpose):
    data = {"purpose": purpose.pk, "proof_note": "phone call"}
    path = f"contacts/{contact.pk}/assignments/"
    headers = {"Idempotency-Key": "running"}
    api.post(path, data, headers=headers)
    IdempotentRequest.objects.update(status=None, body=None)  # as if still in progress
    assert_problem(api.post(path, data, headers=headers), 409)
    assert ConsentRecord.objects.filter(contact=contact).count() == 1


def test_a_bad_idempotency_key(api):
    assert_problem(api.post("contacts/", NEW, headers={"Idempotency-Key": "x" * 300}), 400)
    assert_problem(api.post("contacts/", NEW, headers={"Idempotency-Key": " "}), 400)
    assert not Contact.objects.exists()


def test_an_assignment_retried_writes_one_record(api, contact, purpose):
    path = f"contacts/{contact.pk}/assignments/"
    data = {"purpose": purpose.pk, "proof_note": "phone call"}
    for _ in range(3):
        response = api.post(path, data, headers={"Idempotency-Key": "assign-1"})
        assert response.status_code == 201
    assert ConsentRecord.objects.filter(contact=contact).count() == 1

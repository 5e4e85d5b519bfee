"""Contacts through the API: create (with proof, or by double opt-in), read, update, look up."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ContactSource,
    PendingSignup,
    Suppression,
)

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_create_with_purposes_records_the_proof(api, purpose, contact_list):
    response = api.post(
        "contacts/",
        {
            "email": "Petr.Svoboda@example.com",
            "first_name": "Petr",
            "custom_fields": {"city": "Brno"},
            "lists": [contact_list.pk],
            "purposes": [purpose.pk],
            "valid_from": "2026-01-15T10:00:00+01:00",
            "proof_note": "Paper form at the Brno fair, 15 Jan 2026",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "Petr.Svoboda@example.com"
    assert body["lists"] == [contact_list.pk]
    assert body["custom_fields"] == {"city": "Brno"}
    assert response["Location"] == f"/gdpr-mail/api/contacts/{body['id']}/"
    [held] = body["purposes"]
    assert held["purpose"] == purpose.pk and held["source"] == "api"
    assert held["valid_from"].startswith("2026-01-15T10:00:00")
    contact = Contact.objects.get(pk=body["id"])
    assert contact.source == ContactSource.API
    record = ConsentRecord.objects.get(contact=contact)
    assert record.event == "given"
    assert record.evidence["note"] == "Paper form at the Brno fair, 15 Jan 2026"
    assert "api_key_id" in record.evidence


def test_purposes_need_a_proof_note(api, purpose):
    response = api.post("contacts/", {"email": "a@example.com", "purposes": [purpose.pk]})
    body = assert_problem(response, 400)
    assert "proof_note" in body["errors"]
    assert not Contact.objects.exists()


def test_an_existing_address_is_a_conflict(api, contact):
    response = api.post("contacts/", {"email": "JANA.novakova@example.com"})
    assert_problem(response, 409)
    assert Contact.objects.count() == 1


def test_a_suppressed_address_is_refused(api):
    Suppression.add(reason=Suppression.Reason.ERASED, email="gone@example.com")
    body = assert_problem(api.post("contacts/", {"email": "gone@example.com"}), 409)
    assert body["type"].endswith("suppressed")
    assert not Contact.objects.exists()


def test_doi_sends_the_mail_and_creates_no_contact(api, purpose, contact_list):
    response = api.post(
        "contacts/",
        {
            "email": "eva@example.com",
            "first_name": "Eva",
            "purposes": [purpose.pk],
            "lists": [contact_list.pk],
            "doi": True,
        },
    )
    assert response.status_code == 202, response.content
    assert not Contact.objects.exists()
    assert PendingSignup.objects.count() == 1
    [message] = mail.outbox
    assert message.to == ["eva@example.com"]
    assert purpose.name in message.body
    link = re.search(r"https?://\S+/gdpr-mail/confirm/[^/\s]+/", message.body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    assert Client().post(path).status_code == 200
    contact = Contact.objects.get()
    assert contact.email == "eva@example.com" and contact.first_name == "Eva"
    assert contact.source == ContactSource.API
    [assignment] = contact.assignments.all()
    assert assignment.source == ContactSource.API
    assert contact.memberships.get().contact_list == contact_list


def test_doi_answers_the_same_for_a_known_address(api, purpose, contact):
    new = api.post("contacts/", {"email": "x@example.com", "purposes": [purpose.pk], "doi": True})
    known = api.post("contacts/", {"email": contact.email, "purposes": [purpose.pk], "doi": True})
    assert new.status_code == known.status_code == 202
    assert new.json() == known.json()


def test_doi_needs_a_purpose(api):
    assert_problem(api.post("contacts/", {"email": "x@example.com", "doi": True}), 400)


def test_read(api, contact, purpose):
    from wagtail_gdpr_mail.consent.assignments import assign_purpose

    assign_purpose(contact, purpose, source="admin")
    body = api.get(f"contacts/{contact.pk}/").json()
    assert body["email"] == "jana.novakova@example.com"
    assert body["last_name"] == "Nováková"
    assert [p["purpose"] for p in body["purposes"]] == [purpose.pk]
    assert body["purposes"][0]["status"] == "valid"


def test_read_unknown_is_404(api):
    assert_problem(api.get("contacts/999999/"), 404)


def test_update(api, contact):
    response = api.patch(f"contacts/{contact.pk}/", {"first_name": "Jane", "custom_fields": {}})
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.first_name == "Jane" and contact.custom_fields == {}


def test_update_to_another_contacts_address_is_a_conflict(api, contact, make_contact):
    other = make_contact("other@example.com")
    assert_problem(api.patch(f"contacts/{other.pk}/", {"email": contact.email}), 409)


def test_lookup_by_address_in_the_body(api, contact):
    found = api.post("contacts/lookup/", {"email": "Jana.Novakova@example.com"})
    assert found.status_code == 200
    assert found.json()["found"] is True
    assert found.json()["contact"]["id"] == contact.pk
    unknown = api.post("contacts/lookup/", {"email": "nobody@example.com"})
    assert unknown.status_code == 200
    assert unknown.json() == {"found": False, "contact": None}
    assert set(unknown.json()) == set(found.json())


def test_lookup_is_not_a_get(api, contact):
    assert_problem(api.get("contacts/lookup/"), 405)

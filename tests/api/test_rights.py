"""Export and erasure through the API: the admin's export, the rights package's erasure."""

from __future__ import annotations

import jsonschema
import pytest

from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import Contact, Suppression
from wagtail_gdpr_mail.rights.export import export_contact, load_schema

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_export_is_the_admins_export_with_receipts(api, contact, purpose):
    assign_purpose(contact, purpose, source="form")
    body = api.get(f"contacts/{contact.pk}/export/").json()
    jsonschema.validate(body, load_schema())
    same = export_contact(contact)
    for data in (body, same):
        data.pop("exported_at")
    assert body == same
    assert body["contact"]["email"] == "jana.novakova@example.com"
    assert len(body["receipts"]) == 1


def test_erase_by_anonymising(api, contact, purpose):
    assign_purpose(contact, purpose, source="form")
    response = api.post(f"contacts/{contact.pk}/erase/", {"mode": "anonymise"})
    assert response.json() == {"contact_id": contact.pk, "mode": "anonymise", "erased": True}
    contact.refresh_from_db()
    assert contact.is_anonymised and contact.email is None
    assert Suppression.objects.is_suppressed("jana.novakova@example.com")
    # Anonymised contacts refuse changes and new purposes.
    assert_problem(api.patch(f"contacts/{contact.pk}/", {"first_name": "X"}), 409)
    response = api.post(
        f"contacts/{contact.pk}/assignments/", {"purpose": purpose.pk, "proof_note": "x"}
    )
    assert_problem(response, 409)


def test_erase_by_deleting(api, contact):
    response = api.post(f"contacts/{contact.pk}/erase/", {"mode": "delete"})
    assert response.status_code == 200
    assert not Contact.objects.exists()
    assert_problem(api.get(f"contacts/{contact.pk}/"), 404)
    assert_problem(api.post("contacts/", {"email": "jana.novakova@example.com"}), 409)


def test_erase_needs_a_mode(api, contact):
    assert "mode" in assert_problem(api.post(f"contacts/{contact.pk}/erase/", {}), 400)["errors"]
    assert Contact.objects.filter(pk=contact.pk).exists()

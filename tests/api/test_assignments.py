"""Assigning and revoking through the API: the one writer, consent records, reasons."""

from __future__ import annotations

import pytest

from wagtail_gdpr_mail.models import ConsentRecord, PurposeAssignment

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_assign_then_renew(api, contact, purpose):
    path = f"contacts/{contact.pk}/assignments/"
    first = api.post(path, {"purpose": purpose.pk, "proof_note": "Signed form #12"})
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "valid" and first.json()["source"] == "api"
    renewed = api.post(path, {"purpose": purpose.pk, "proof_note": "Asked again by phone"})
    assert renewed.status_code == 200
    assert renewed.json()["id"] == first.json()["id"]
    events = list(
        ConsentRecord.objects.filter(contact=contact).order_by("pk").values_list("event", flat=True)
    )
    assert events == ["given", "renewed"]
    assert ConsentRecord.objects.order_by("pk").last().evidence["note"] == "Asked again by phone"


def test_an_inactive_purpose_cannot_be_assigned(api, contact, make_purpose):
    retired = make_purpose("Retired", is_active=False)
    response = api.post(
        f"contacts/{contact.pk}/assignments/", {"purpose": retired.pk, "proof_note": "x"}
    )
    assert "purpose" in assert_problem(response, 400)["errors"]


def test_revoke_with_a_reason_keeps_the_row(api, contact, purpose):
    assigned = api.post(
        f"contacts/{contact.pk}/assignments/", {"purpose": purpose.pk, "proof_note": "form"}
    ).json()
    path = f"contacts/{contact.pk}/assignments/{assigned['id']}/revoke/"
    response = api.post(path, {"reason": "asked", "note": "She phoned on Monday"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "revoked" and body["revocation_reason"] == "api"
    assignment = PurposeAssignment.objects.get(pk=assigned["id"])
    assert assignment.editor_reason == "asked"
    record = ConsentRecord.objects.filter(contact=contact).order_by("pk").last()
    assert record.event == "revoked"
    assert record.evidence["note"] == "She phoned on Monday"
    assert "api_key_id" in record.evidence
    again = assert_problem(api.post(path, {"reason": "asked"}), 409)
    assert again["type"].endswith("already-revoked")
    listed = api.get(f"contacts/{contact.pk}/assignments/").json()
    assert [a["status"] for a in listed["results"]] == ["revoked"]


def test_revoke_needs_a_known_reason(api, contact, purpose):
    from wagtail_gdpr_mail.consent.assignments import assign_purpose

    assignment, _ = assign_purpose(contact, purpose, source="admin")
    path = f"contacts/{contact.pk}/assignments/{assignment.pk}/revoke/"
    assert "reason" in assert_problem(api.post(path, {"reason": "because"}), 400)["errors"]
    assert "reason" in assert_problem(api.post(path, {}), 400)["errors"]
    assignment.refresh_from_db()
    assert assignment.revoked_at is None


def test_another_contacts_assignment_is_not_found(api, contact, make_contact, purpose):
    from wagtail_gdpr_mail.consent.assignments import assign_purpose

    other = make_contact()
    assignment, _ = assign_purpose(other, purpose, source="admin")
    path = f"contacts/{contact.pk}/assignments/{assignment.pk}/revoke/"
    assert_problem(api.post(path, {"reason": "asked"}), 404)
    assignment.refresh_from_db()
    assert assignment.revoked_at is None

"""Every call is in the audit log, on its key, with ids and status but no personal data."""

from __future__ import annotations

import json

import pytest
from wagtail.models import ModelLogEntry

from wagtail_gdpr_mail import audit
from wagtail_gdpr_mail.models import ApiKey

from .conftest import ApiClient, make_key

pytestmark = pytest.mark.django_db

PERSONAL = ("jana.novakova@example.com", "Jana", "Nováková", "Kroměříž", "petr@example.com")


def test_every_call_is_logged_without_personal_data(contact, purpose):
    api_key, raw = make_key()
    client = ApiClient(raw)
    client.get(f"contacts/{contact.pk}/")
    client.post("contacts/lookup/", {"email": "jana.novakova@example.com"})
    client.post("contacts/", {"email": "petr@example.com", "first_name": "Petr"})
    client.patch(f"contacts/{contact.pk}/", {"last_name": "Nová"})
    client.post(
        f"contacts/{contact.pk}/assignments/", {"purpose": purpose.pk, "proof_note": "Jana rang"}
    )
    client.get(f"contacts/{contact.pk}/export/")
    client.get("contacts/999999/")
    calls = ModelLogEntry.objects.filter(action=audit.API_CALL).order_by("pk")
    assert [(e.data["endpoint"], e.data["status"]) for e in calls] == [
        ("contacts.detail", 200),
        ("contacts.lookup", 200),
        ("contacts.create", 201),
        ("contacts.detail", 200),
        ("contacts.assignments", 201),
        ("contacts.export", 200),
        ("contacts.detail", 404),
    ]
    assert all(e.object_id == str(api_key.pk) for e in calls)
    assert calls[0].data["pk"] == contact.pk
    assert calls[1].data["contact_id"] == contact.pk
    everything = json.dumps(list(ModelLogEntry.objects.values("label", "data")), ensure_ascii=False)
    for value in PERSONAL:
        assert value not in everything
    assert raw not in everything


def test_a_refused_key_is_not_logged_against_anyone(contact):
    ApiClient("gm_unknown").get(f"contacts/{contact.pk}/")
    assert not ModelLogEntry.objects.filter(action=audit.API_CALL).exists()
    assert not ApiKey.objects.exists()

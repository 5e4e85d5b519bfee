"""Exports validate against the shipped JSON Schema and carry Kantara consent receipts;
the export command.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.rights import (
    CONFIRM_AGENT,
    CONTROLLER_NAME,
    CUSTOM_FIELDS,
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    SUBMIT_IP,
    assert_valid_export,
    personal_data_in,
    validator,
)
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import (
    ContactList,
    ContactSource,
    LegalBasis,
    ListMembership,
)
from wagtail_gdpr_mail.rights import export as exporting
from wagtail_gdpr_mail.rights.erasure import erase_contacts

# --- Exports validate against the shipped schema ------------------------------------------


def test_the_validator_has_teeth(person):
    data = exporting.export_contact(person.contact)
    data["exported_at"] = "yesterday"
    data["receipts"][0]["consentReceiptID"] = "not-a-uuid"
    messages = [e.message for e in validator().iter_errors(data)]
    assert any("yesterday" in m for m in messages)
    assert any("not-a-uuid" in m for m in messages)


def test_export_of_a_contact_with_history_validates_and_carries_receipts(
    person, make_purpose, controller
):
    contact = person.contact
    second_list = ContactList.objects.create(name="Event visitors")
    ListMembership.objects.create(contact=contact, contact_list=second_list)
    # Renewed, expired, and one on another legal basis.
    assign_purpose(contact, person.main, source=ContactSource.RECONSENT)
    lapsed = make_purpose("Old campaign", years=1)
    assign_purpose(
        contact, lapsed, source=ContactSource.IMPORT, valid_from=timezone.now() - timedelta(700)
    )
    interest = make_purpose(
        "Service notices",
        legal_basis=LegalBasis.objects.get(code="legitimate_interest"),
        years=None,
        internal_note="Order numbers",
    )
    assign_purpose(contact, interest, source=ContactSource.API)

    data = exporting.export_contact(contact)

    assert_valid_export(data)
    assert data["contact"] == {
        **data["contact"],
        "email": EMAIL,
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "custom_fields": CUSTOM_FIELDS,
        "anonymised_at": None,
    }
    assert {entry["name"] for entry in data["lists"]} == {
        "Newsletter subscribers",
        "Event visitors",
    }
    statuses = {p["purpose"]: p["status"] for p in data["purposes"]}
    assert statuses == {
        "Newsletter": "valid",
        "Webinar invitations": "revoked",
        "Partner offers": "valid",
        "Old campaign": "expired",
        "Service notices": "valid",
    }
    revoked = next(p for p in data["purposes"] if p["purpose"] == "Webinar invitations")
    assert revoked["revocation_reason"] == "withdrawn"
    assert [h["event"] for h in revoked["history"]] == ["given", "revoked"]
    newsletter = next(p for p in data["purposes"] if p["purpose"] == "Newsletter")
    assert [h["event"] for h in newsletter["history"]] == ["given", "renewed"]
    assert len(data["consent_records"]) == contact.consent_records.count() == 7
    first = data["consent_records"][0]
    assert first["evidence"]["submission"]["ip"] == SUBMIT_IP
    assert first["evidence"]["confirmation"]["user_agent"] == CONFIRM_AGENT
    assert all("salt" not in (r["evidence"] or {}) for r in data["consent_records"])
    # The chain as stored.
    hashes = [r["record_hash"] for r in data["consent_records"]]
    assert [r["previous_hash"] for r in data["consent_records"]][1:] == hashes[:-1]

    assert len(data["purposes"]) == 5
    # A consent receipt for each consent-based purpose; legitimate interest is no consent.
    assert len(data["receipts"]) == 4
    assert data["controller"]["piiController"] == CONTROLLER_NAME
    for receipt in data["receipts"]:
        assert receipt["version"] == "KI-CR-v1.1.0"
        assert receipt["jurisdiction"] == "EU"
        assert isinstance(receipt["consentTimestamp"], int)
        assert receipt["collectionMethod"]
        assert receipt["piiControllers"][0]["piiController"] == CONTROLLER_NAME
        assert receipt["piiControllers"][0]["email"] == "privacy@rights-shop.example"
        assert receipt["legalBasis"]["code"] and receipt["legalBasis"]["article"]
        assert receipt["withdrawalMethod"]
        assert receipt["piiPrincipalId"] == f"contact:{contact.pk}"
    by_purpose = {r["purposeName"]: r for r in data["receipts"]}
    assert by_purpose["Newsletter"]["collectionMethod"] == "re-consent e-mail"
    assert by_purpose["Newsletter"]["legalBasis"]["code"] == "consent"
    assert by_purpose["Newsletter"]["services"][0]["purposes"][0]["consentType"] == "EXPLICIT"
    assert "Service notices" not in by_purpose
    assert by_purpose["Webinar invitations"]["status"] == "revoked"
    assert by_purpose["Webinar invitations"]["revokedAt"]
    assert by_purpose["Old campaign"]["status"] == "expired"
    assert len({r["consentReceiptID"] for r in data["receipts"]}) == 4
    # A receipt names the record that proves the consent.
    assert by_purpose["Partner offers"]["consentRecordHash"] in hashes
    # JSON all the way (what the download serialises).
    assert json.loads(exporting.export_json(contact))["contact"]["email"] == EMAIL


def test_export_of_an_anonymised_contact_validates_and_holds_nothing_personal(person):
    erase_contacts([person.contact], "anonymise")
    data = exporting.export_contact(person.contact)
    assert_valid_export(data)
    assert data["contact"]["email"] is None
    assert data["contact"]["first_name"] == data["contact"]["last_name"] == ""
    assert data["contact"]["custom_fields"] == {}
    assert data["contact"]["anonymised_at"]
    assert all(r["evidence"] is None for r in data["consent_records"])
    assert {p["status"] for p in data["purposes"]} == {"revoked"}
    assert personal_data_in(json.dumps(data, ensure_ascii=False)) == []


def test_export_of_a_bare_contact_validates(make_contact):
    contact = make_contact("bare@example.com", first_name="", last_name="")
    data = exporting.export_contact(contact)
    assert_valid_export(data)
    assert data["purposes"] == data["receipts"] == data["consent_records"] == data["lists"] == []


# --- The export command -------------------------------------------------------------------


def test_export_command_writes_valid_json_to_a_file(person, tmp_path):
    output = tmp_path / "export.json"
    err = StringIO()
    call_command("gdpr_mail_export", EMAIL.upper(), "--output", str(output), stderr=err)
    data = json.loads(output.read_text(encoding="utf-8"))
    assert_valid_export(data)
    assert data["contact"]["email"] == EMAIL
    assert data["contact"]["first_name"] == FIRST_NAME  # UTF-8, not escaped away
    assert FIRST_NAME in output.read_text(encoding="utf-8")
    assert EMAIL not in err.getvalue()

    out = StringIO()
    call_command("gdpr_mail_export", EMAIL, stdout=out)
    assert_valid_export(json.loads(out.getvalue()))


def test_export_command_refuses_an_unknown_address(person, tmp_path):
    output = tmp_path / "export.json"
    with pytest.raises(CommandError, match="No contact"):
        call_command("gdpr_mail_export", "nobody@example.com", "--output", str(output))
    assert not output.exists()
    assert not ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.export").exists()


def test_an_anonymised_contact_is_no_longer_found_by_the_commands(person):
    erase_contacts([person.contact], "anonymise")
    with pytest.raises(CommandError):
        call_command("gdpr_mail_export", EMAIL)
    with pytest.raises(CommandError):
        call_command("gdpr_mail_erase", EMAIL, "--delete")

"""Consent receipts follow the Kantara Consent Receipt v1.1 schema and say what was really
collected and disclosed; purpose versions are numbered per purpose everywhere."""

from __future__ import annotations

import pytest

from tests.helpers.rights import assert_valid_export, assert_valid_receipt, inspect_url
from wagtail_gdpr_mail.models import PurposeCategory, Subprocessor
from wagtail_gdpr_mail.rights import export as exporting


def receipts(person) -> dict[str, dict]:
    data = exporting.export_contact(person.contact)
    assert_valid_export(data)
    return {r["purposeName"]: r for r in data["receipts"]}


def purpose_of(receipt: dict) -> dict:
    return receipt["services"][0]["purposes"][0]


def test_every_receipt_validates_against_the_kantara_schema(person):
    for receipt in receipts(person).values():
        assert_valid_receipt(receipt)
        (controller,) = receipt["piiControllers"]
        assert controller["address"] == {"streetAddress": "Masarykovo náměstí 1, 602 00 Brno"}


def test_the_kantara_schema_rejects_an_address_given_as_text(person):
    receipt = next(iter(receipts(person).values()))
    receipt["piiControllers"][0]["address"] = "Masarykovo náměstí 1"
    with pytest.raises(AssertionError, match="address"):
        assert_valid_receipt(receipt)


def test_purpose_category_is_the_one_the_editor_picked(person):
    person.main.purpose_category = PurposeCategory.CONTACT_REQUESTED
    person.main.save()
    newsletter = receipts(person)["Newsletter"]
    assert purpose_of(newsletter)["purposeCategory"] == ["Contact Requested"]
    assert purpose_of(newsletter)["consentType"] == "EXPLICIT"


def test_pii_category_lists_the_fields_collected_not_the_internal_note(person):
    person.main.internal_note = "Purchase history kept by the shop"
    person.main.save()
    categories = purpose_of(receipts(person)["Newsletter"])["piiCategory"]
    assert categories[:3] == ["E-mail address", "First name", "Last name"]
    assert "Purchase history kept by the shop" not in categories
    assert any(c.startswith("Custom field: ") for c in categories)


def test_third_party_disclosure_agrees_with_the_record_of_processing(person):
    assert purpose_of(receipts(person)["Newsletter"])["thirdPartyDisclosure"] is False

    esp = Subprocessor.objects.create(
        name="Mailer Ltd", service="E-mail delivery", data_categories="E-mail", country="DE"
    )
    esp.purposes.add(person.main)
    found = receipts(person)
    assert purpose_of(found["Newsletter"])["thirdPartyDisclosure"] is True
    assert purpose_of(found["Newsletter"])["thirdPartyName"] == "Mailer Ltd"
    assert purpose_of(found["Partner offers"])["thirdPartyDisclosure"] is False


def test_purpose_version_is_counted_per_purpose(person, admin_client):
    data = exporting.export_contact(person.contact)
    # Several purposes were saved before "Partner offers": its first version is still 1.
    offers = [r for r in data["consent_records"] if r["purpose"] == "Partner offers"]
    global_id = offers[0]["purpose_revision_id"]
    assert global_id > 1
    assert [r["purpose_version"] for r in offers] == [1]
    assert {r["purposeName"]: r["purposeVersion"] for r in data["receipts"]}["Partner offers"] == 1

    person.offers.visitor_text = "Offers of our partners, chosen monthly."
    person.offers.save_revision(log_action=False)
    assert person.offers.version_of(person.offers.latest_revision_id) == 2

    html = admin_client.get(inspect_url(person.contact)).content.decode()
    assert "data-purpose-version>1<" in html
    assert f"data-purpose-version>{global_id}<" not in html


def test_every_purpose_gets_a_ts_27560_record_with_the_required_items(person):
    data = exporting.export_contact(person.contact)
    assert_valid_export(data)
    records = {r["purpose"]["purpose"]: r for r in data["ts27560_records"]}
    assert set(records) == {"Newsletter", "Webinar invitations", "Partner offers"}
    newsletter = records["Newsletter"]
    assert newsletter["schema_version"] == "ISO/IEC TS 27560:2023"
    assert newsletter["purpose"]["lawful_basis"] == "consent"
    assert newsletter["purpose"]["retention_period"] == "P3Y"
    assert newsletter["validity_duration"] == "P3Y"
    assert newsletter["purpose"]["storage_location"][0]["location"] == "controller"
    assert newsletter["purpose"]["recipients"] == []
    assert newsletter["pii_controllers"][0]["controller_id"] == "87654321"
    assert newsletter["pii_principal_id"] == f"contact:{person.contact.pk}"
    assert [e["event_by"] for e in newsletter["events"]] == ["pii_principal"]
    assert newsletter["event_state"] == "valid"
    webinar = records["Webinar invitations"]
    assert [e["event_state"] for e in webinar["events"]] == ["given", "withdrawn"]
    assert webinar["event_state"] == "revoked"
    assert [e["event_by"] for e in records["Partner offers"]["events"]] == ["pii_controller"]

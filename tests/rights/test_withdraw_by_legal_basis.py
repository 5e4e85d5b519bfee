"""On the "my data" page a visitor ends only what the law lets them end themselves:
consent is withdrawn (Art. 7(3)), legitimate interest is objected to (Art. 21), and
purposes needed for a contract, by law, for vital interests or a public task are
explained and refused — by the page and by the POST alike."""

from __future__ import annotations

import json
import re

import pytest
from wagtail.models import ModelLogEntry

from tests.helpers.rights import (
    DOWNLOAD,
    MANAGE,
    VISITOR_AGENT,
    VISITOR_IP,
    assert_valid_export,
    open_session,
    post,
    visitor_client,
    withdraw_url,
)
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ConsentRecord, ContactSource, LegalBasis

pytestmark = pytest.mark.django_db

#: Purpose name → legal basis code; Zdeňka holds each of these besides her consents.
OTHER_BASES = {
    "Customer news": "legitimate_interest",
    "Order updates": "contract",
    "Tax records": "legal_obligation",
    "Emergency contact": "vital_interest",
    "Public register": "public_task",
}
NOT_WITHDRAWABLE = {
    "Order updates": "to perform our contract with you",
    "Tax records": "The law requires us",
    "Emergency contact": "protect your life or health",
    "Public register": "in the public interest",
}
CONTROLLER_EMAIL = "privacy@rights-shop.example"


@pytest.fixture
def customer(person, make_purpose):
    """Zdeňka (consent to the newsletter and partner offers) also holds a purpose of
    every other legal basis, given by an editor."""
    for name, code in OTHER_BASES.items():
        purpose = make_purpose(name, legal_basis=LegalBasis.objects.get(code=code))
        assign_purpose(person.contact, purpose, source=ContactSource.ADMIN)
    person.held = {a.purpose.name: a for a in person.contact.assignments.select_related("purpose")}
    return person


def _row(html: str, name: str) -> str:
    row = re.search(
        rf'<tr data-purpose="{re.escape(name)}" data-status="\w+">(.*?)</tr>', html, re.S
    )
    assert row, f"no row for {name}"
    return row.group(1)


def test_the_page_offers_withdraw_object_or_an_explanation_by_legal_basis(customer):
    client = visitor_client()
    open_session(client)
    html = client.get(MANAGE).content.decode()

    consent = _row(html, "Partner offers")
    assert "data-gdpr-mail-withdraw" in consent and "Object to this processing" not in consent

    objection = _row(html, "Customer news")
    assert "Object to this processing" in objection and "data-gdpr-mail-withdraw" not in objection
    assert "Art. 21" in objection

    for name, explanation in NOT_WITHDRAWABLE.items():
        row = _row(html, name)
        assert "<form" not in row and "<button" not in row, name
        assert explanation in row and "cannot be withdrawn here" in row, name
        assert f'href="mailto:{CONTROLLER_EMAIL}"' in row, name


def test_objecting_to_legitimate_interest_ends_it_and_records_an_objection(customer):
    client = visitor_client()
    open_session(client)
    news = customer.held["Customer news"]
    logged = ModelLogEntry.objects.filter(object_id=str(customer.contact.pk))
    withdrawals = logged.filter(action="wagtail_gdpr_mail.withdraw").count()

    response = post(client, withdraw_url(news.pk))
    assert response.status_code == 302 and response["Location"] == MANAGE

    news.refresh_from_db()
    assert news.revoked_at is not None and news.revocation_reason == "objection"
    record = ConsentRecord.objects.filter(assignment=news).last()
    assert record.event == "revoked" and record.evidence["reason"] == "objection"
    assert record.evidence["objection"]["ip"] == VISITOR_IP
    assert record.evidence["objection"]["user_agent"] == VISITOR_AGENT
    assert logged.filter(action="wagtail_gdpr_mail.objection").count() == 1
    assert logged.filter(action="wagtail_gdpr_mail.withdraw").count() == withdrawals
    assert "Ended after your objection" in _row(
        client.get(MANAGE).content.decode(), "Customer news"
    )


@pytest.mark.parametrize("name", list(NOT_WITHDRAWABLE))
def test_a_post_for_a_purpose_that_cannot_be_withdrawn_is_refused(customer, name):
    client = visitor_client()
    open_session(client)
    held = customer.held[name]
    records, log_entries = ConsentRecord.objects.count(), ModelLogEntry.objects.count()

    response = post(client, withdraw_url(held.pk))

    assert response.status_code == 403
    html = response.content.decode()
    assert "This cannot be withdrawn here" in html and NOT_WITHDRAWABLE[name] in html
    assert "Nothing was changed." in html
    held.refresh_from_db()
    assert held.revoked_at is None and held.is_valid
    assert ConsentRecord.objects.count() == records
    assert ModelLogEntry.objects.count() == log_entries


def test_receipts_say_how_each_purpose_can_be_ended(customer):
    client = visitor_client()
    open_session(client)
    data = json.loads(post(client, DOWNLOAD).content)
    assert_valid_export(data)
    method = {purpose["purpose"]: purpose["withdrawal_method"] for purpose in data["purposes"]}
    # Only consent-based purposes get a Kantara receipt; each says the same.
    receipts = {r["purposeName"]: r["withdrawalMethod"] for r in data["receipts"]}
    assert receipts and all(receipts[name] == method[name] for name in receipts)
    assert "Partner offers" in receipts and "Order updates" not in receipts
    assert "'my data' page" in method["Partner offers"]
    assert "cannot be withdrawn" not in method["Partner offers"]
    assert method["Customer news"].startswith("objection (GDPR Art. 21)")
    assert "Object to this processing" in method["Customer news"]
    assert method["Order updates"].startswith("cannot be withdrawn")
    assert "contract" in method["Order updates"]
    assert "required by law" in method["Tax records"]
    for name in NOT_WITHDRAWABLE:
        assert method[name].startswith("cannot be withdrawn") and "controller" in method[name]

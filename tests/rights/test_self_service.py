"""Visitors manage their own data through an e-mail-verified link: ask, open, download,
withdraw, erase.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.rights import (
    CONTROLLER_NAME,
    CUSTOM_FIELDS,
    DOWNLOAD,
    EMAIL,
    ERASE_ME,
    MANAGE,
    VISITOR_AGENT,
    VISITOR_IP,
    ask_for_link,
    assert_valid_export,
    everything_in_the_database,
    link_path,
    open_session,
    personal_data_in,
    post,
    visitor_client,
    withdraw_url,
)
from wagtail_gdpr_mail.models import (
    AccessRequest,
    ConsentRecord,
    Contact,
    Suppression,
)
from wagtail_gdpr_mail.rights.access import SESSION_KEY
from wagtail_gdpr_mail.rights.erasure import erase_contacts

# --- Self-service ---------------------------------------------------------------------------


def test_asking_for_a_link_answers_the_same_for_known_and_unknown_addresses(person):
    known = ask_for_link(visitor_client("198.51.100.1"), EMAIL.upper())
    unknown = ask_for_link(visitor_client("198.51.100.2"), "stranger@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    (message,) = [m for m in mail.outbox if "/gdpr-mail/my-data/open/" in m.body]
    assert message.to == [EMAIL]  # the address on file, not what was typed
    assert CONTROLLER_NAME in message.subject
    assert AccessRequest.objects.count() == 1
    # What the ESP gets (Anymail's test backend records it): the request, and the
    # one-time link left untouched by click tracking.
    sent = message.anymail_test_params
    assert sent["metadata"] == {"gdpr_mail_access": str(AccessRequest.objects.get().pk)}
    assert sent["track_clicks"] is False
    # An anonymised contact is unknown now.
    erase_contacts([person.contact], "anonymise")
    mail.outbox.clear()
    again = ask_for_link(visitor_client("198.51.100.3"), EMAIL)
    assert again.status_code == 200 and again.content == unknown.content
    assert mail.outbox == []


def test_invalid_address_re_renders_the_form(person):
    response = ask_for_link(visitor_client(), "not an address")
    assert response.status_code == 400
    assert "<form" in response.content.decode()
    assert not any("/my-data/open/" in m.body for m in mail.outbox)


def test_opening_the_link_is_scanner_safe_and_works_once(person):
    client = visitor_client()
    ask_for_link(client, EMAIL)
    path = link_path(EMAIL)
    access = AccessRequest.objects.get()

    # A mail scanner (or the person) fetches the link: nothing happens.
    for _ in range(3):
        scanned = Client().get(path)
        assert scanned.status_code == 200
        assert "data-gdpr-mail-open" in scanned.content.decode()
    access.refresh_from_db()
    assert access.used_at is None
    assert client.get(MANAGE).status_code == 403

    response = post(client, path)
    assert response.status_code == 302 and response["Location"] == MANAGE
    access.refresh_from_db()
    assert access.used_at is not None
    page = client.get(MANAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert EMAIL in html and "Newsletter" in html

    # Used up: a second press, from anywhere, gets the friendly "no longer valid" page.
    for other in (client, visitor_client("198.51.100.77")):
        again = post(other, path)
        assert again.status_code == 404
        assert "This link is no longer valid" in again.content.decode()
        assert other.get(path).status_code == 404
    assert visitor_client("198.51.100.77").get(MANAGE).status_code == 403


def test_an_expired_or_unknown_link_gets_the_friendly_page(person):
    client = visitor_client()
    ask_for_link(client, EMAIL)
    path = link_path(EMAIL)
    AccessRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for response in (client.get(path), post(client, path)):
        assert response.status_code == 404
        assert "This link is no longer valid" in response.content.decode()
    for bad in ("/gdpr-mail/my-data/open/nonsense/", f"/gdpr-mail/my-data/open/{'x' * 300}/"):
        assert client.get(bad).status_code == 404
        assert post(client, bad).status_code == 404
    assert client.get(MANAGE).status_code == 403


def test_download_returns_the_export_valid_against_the_schema(person):
    client = visitor_client()
    open_session(client)
    response = post(client, DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert EMAIL not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert_valid_export(data)
    assert data["contact"]["email"] == EMAIL
    assert data["contact"]["custom_fields"] == CUSTOM_FIELDS
    assert ModelLogEntry.objects.filter(
        action="wagtail_gdpr_mail.export", object_id=str(person.contact.pk)
    ).exists()
    # Only by POST (a link in a page cannot trigger it).
    assert client.get(DOWNLOAD).status_code == 405


def test_withdrawing_a_purpose(person):
    client = visitor_client()
    open_session(client)
    newsletter = person.contact.assignments.get(purpose=person.main)
    offers = person.contact.assignments.get(purpose=person.offers)

    response = post(client, withdraw_url(newsletter.pk))
    assert response.status_code == 302 and response["Location"] == MANAGE

    newsletter.refresh_from_db()
    assert newsletter.revoked_at is not None
    assert newsletter.revocation_reason == "withdrawn"
    record = ConsentRecord.objects.filter(assignment=newsletter).last()
    assert record.event == "revoked"
    assert record.evidence["withdrawal"]["ip"] == VISITOR_IP
    assert record.evidence["withdrawal"]["user_agent"] == VISITOR_AGENT
    offers.refresh_from_db()
    assert offers.is_valid
    html = client.get(MANAGE).content.decode()
    row = re.search(r'<tr data-purpose="Newsletter" data-status="(\w+)">(.*?)</tr>', html, re.S)
    assert row and row.group(1) == "revoked" and "Withdrawn" in row.group(2)
    # Withdrawing again changes nothing.
    assert post(client, withdraw_url(newsletter.pk)).status_code == 302
    assert ConsentRecord.objects.filter(assignment=newsletter, event="revoked").count() == 1


def test_withdrawing_someone_elses_purpose_is_a_404(person):
    client = visitor_client()
    open_session(client)
    theirs = person.other.assignments.get()
    records = ConsentRecord.objects.count()
    for pk in (theirs.pk, 999_999):
        response = post(client, withdraw_url(pk))
        assert response.status_code == 404
        assert "no longer valid" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.is_valid and theirs.revoked_at is None
    assert ConsentRecord.objects.count() == records


def test_erasing_needs_the_confirmation_tick(person):
    client = visitor_client()
    open_session(client)
    response = post(client, ERASE_ME)
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-gdpr-mail-erase-me" in html and "This field is required" in html
    assert EMAIL in html  # the same page, re-rendered
    person.contact.refresh_from_db()
    assert not person.contact.is_anonymised
    assert client.get(MANAGE).status_code == 200  # still signed in


def test_erasing_anonymises_and_ends_the_session(person):
    client = visitor_client()
    open_session(client)
    contacts = Contact.objects.count()
    response = post(client, ERASE_ME, {"confirm": "on"})
    assert response.status_code == 200
    assert "data-gdpr-mail-erased" in response.content.decode()
    person.contact.refresh_from_db()
    assert person.contact.is_anonymised
    assert Contact.objects.count() == contacts
    assert Suppression.objects.is_suppressed(EMAIL)
    assert ModelLogEntry.objects.get(action="wagtail_gdpr_mail.erase").data == {"mode": "anonymise"}
    for response in (client.get(MANAGE), post(client, DOWNLOAD), post(client, ERASE_ME)):
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()
    assert personal_data_in(everything_in_the_database()) == []


def test_erasing_deletes_when_the_site_says_so(person, settings):
    settings.WAGTAIL_GDPR_MAIL_SELF_SERVICE_ERASURE_MODE = "delete"
    client = visitor_client()
    open_session(client)
    pk = person.contact.pk
    response = post(client, ERASE_ME, {"confirm": "on"})
    assert response.status_code == 200
    assert not Contact.objects.filter(pk=pk).exists()
    assert client.get(MANAGE).status_code == 403


def test_no_or_expired_session_gets_the_friendly_page_never_an_error(person):
    newsletter = person.contact.assignments.get(purpose=person.main)
    stranger = visitor_client()
    actions = [
        lambda c: c.get(MANAGE),
        lambda c: post(c, DOWNLOAD),
        lambda c: post(c, withdraw_url(newsletter.pk)),
        lambda c: post(c, ERASE_ME, {"confirm": "on"}),
    ]
    for action in actions:
        response = action(stranger)
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()

    client = visitor_client()
    open_session(client)
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "until": time.time() - 1}
    session.save()
    for action in actions:
        response = action(client)
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()

    newsletter.refresh_from_db()
    assert newsletter.is_valid
    person.contact.refresh_from_db()
    assert not person.contact.is_anonymised


@pytest.mark.parametrize("minutes", [30, 5])
def test_the_session_runs_out_after_the_configured_minutes(person, settings, minutes):
    settings.WAGTAIL_GDPR_MAIL_SELF_SERVICE_SESSION_MINUTES = minutes
    client = visitor_client()
    open_session(client)
    started = time.time()
    clock = SimpleNamespace(time=lambda: started + minutes * 60 - 10)
    with mock.patch("wagtail_gdpr_mail.rights.access.time", clock):
        assert client.get(MANAGE).status_code == 200
        clock.time = lambda: started + minutes * 60 + 10
        response = client.get(MANAGE)
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()
    # Once ended, it stays ended.
    assert client.get(MANAGE).status_code == 403


@override_settings(WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP=(2, 3600))
def test_link_requests_are_rate_limited_per_ip(person):
    client = visitor_client()
    for _ in range(2):
        assert ask_for_link(client, "stranger@example.com").status_code == 200
    blocked = ask_for_link(client, EMAIL)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert AccessRequest.objects.count() == 0
    assert not any("/my-data/open/" in m.body for m in mail.outbox)
    # Another connection is not affected.
    assert ask_for_link(visitor_client("198.51.100.200"), EMAIL).status_code == 200
    assert AccessRequest.objects.count() == 1


@override_settings(WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_ADDRESS=(2, 3600))
def test_link_requests_are_limited_per_address_without_telling(person):
    responses = [ask_for_link(visitor_client(f"198.51.100.{i}"), EMAIL) for i in range(10, 14)]
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert len([m for m in mail.outbox if "/my-data/open/" in m.body]) == 2

"""The consent history as an editor reads it: labelled fields, local times, names, raw JSON."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from tests.helpers.links import confirm_path
from tests.helpers.markup import visible_text
from tests.helpers.subscribing import (
    CONFIRM_IP,
    VISITOR_IP,
    make_visitor,
    press_confirm,
    subscribe_default,
)
from tests.helpers.tampering import corrupt
from tests.helpers.users import make_user
from tests.subscriptions.conftest import no_fill_delay, subscription_page  # noqa: F401
from wagtail_gdpr_mail.admin.evidence import browser_summary
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.dates import format_datetime
from wagtail_gdpr_mail.models import ConsentRecord, Contact, PurposeAssignment

pytestmark = pytest.mark.django_db

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def inspect_url(contact: Contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])


@pytest.mark.parametrize(
    ("agent", "summary"),
    [
        (CHROME_WINDOWS, "Chrome 131 on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            "Safari 17 on macOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox 133 on Linux",
        ),
        (CHROME_WINDOWS + " Edg/131.0.2903.86", "Edge 131 on Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
            "Chrome 131 on iOS",
        ),
        ("curl/8.5.0", ""),
    ],
)
def test_browser_summary(agent, summary):
    assert browser_summary(agent) == summary


@pytest.fixture
def confirmed(subscription_page, no_fill_delay):  # noqa: F811
    """Květoslava subscribed from a Chrome on Windows and confirmed on her phone."""
    subscribe_default(subscription_page, make_visitor(agent=CHROME_WINDOWS))
    press_confirm(make_visitor(CONFIRM_IP), confirm_path(mail.outbox[-1]))
    return Contact.objects.get()


def test_a_confirmed_signup_reads_as_labelled_fields(client, superuser, confirmed, settings):
    settings.TIME_ZONE = "UTC"
    client.force_login(superuser)
    html = client.get(inspect_url(confirmed)).content.decode()
    text = visible_text(html)
    for label in ("Submitted", "Confirmed", "IP address", "Browser", "Page", "Texts shown"):
        assert label in text, label
    assert "Mail as sent" in text and "Purpose version" in text
    assert VISITOR_IP in text and CONFIRM_IP in text
    assert "Chrome 131 on Windows" in text
    # The full user agent is there, folded, and the page links to its editor.
    assert CHROME_WINDOWS in html
    assert "We will send you our newsletter monthly." in text
    assert mail.outbox[-1].subject in text
    # No raw keys or ISO times in the readable part.
    readable = text.split("Raw evidence (JSON)")[0]
    for raw in ("user_agent", "revision_id", "submission", "+00:00"):
        assert raw not in readable, raw
    # The raw JSON, one click away, holds everything but the salt.
    assert html.count("data-raw-evidence") == ConsentRecord.objects.count()
    assert "&quot;user_agent&quot;" in html and "salt" not in html


def test_page_link_and_a_deleted_page(client, superuser, confirmed, subscription_page):  # noqa: F811
    client.force_login(superuser)
    edit = reverse("wagtailadmin_pages:edit", args=[subscription_page.page.pk])
    assert f'href="{edit}"' in client.get(inspect_url(confirmed)).content.decode()
    subscription_page.page.delete()
    text = visible_text(client.get(inspect_url(confirmed)).content.decode())
    assert "the page no longer exists" in text


def test_editor_actions_name_the_editor_never_a_user_number(client, contact, purpose):
    editor = make_user("marketa", ["view_contact", "view_consent_proof"])
    editor.first_name, editor.last_name = "Markéta", "Dvořáková"
    editor.save()
    gone = make_user("leaver", [])
    assign_purpose(contact, purpose, source="admin", user=editor)
    assignment = PurposeAssignment.objects.get()
    revoke_assignment(
        assignment,
        reason=PurposeAssignment.RevocationReason.ADMIN,
        user=gone,
        editor_reason=PurposeAssignment.EditorReason.OTHER,
        note="Asked at the trade fair",
    )
    gone.delete()
    client.force_login(editor)
    text = visible_text(client.get(inspect_url(contact)).content.decode())
    assert "Acted by" in text
    assert "Markéta Dvořáková" in text
    assert "a deleted user" in text
    assert "#" + str(editor.pk) not in text.split("Record hash")[0]
    assert "Revoked by an editor" in text and "Other" in text
    assert "Asked at the trade fair" in text


def test_unknown_keys_show_humanised_and_markup_is_escaped(client, superuser, contact, purpose):
    assign_purpose(
        contact,
        purpose,
        source="api",
        evidence={"api_client_ref": "<script>alert(1)</script>", "nested": {"some_key": 3}},
    )
    client.force_login(superuser)
    html = client.get(inspect_url(contact)).content.decode()
    assert "Api client ref" in visible_text(html) and "Some key" in visible_text(html)
    assert "<script>alert(1)</script>" not in html


def test_unreadable_evidence_keeps_its_message(client, superuser, contact, purpose):
    assign_purpose(contact, purpose, source="form", evidence={"ip": VISITOR_IP})
    corrupt(ConsentRecord, ConsentRecord.objects.get().pk, "evidence")
    client.force_login(superuser)
    html = client.get(inspect_url(contact)).content.decode()
    assert "could not be decrypted" in html
    assert "data-raw-evidence" not in html


@pytest.mark.parametrize("language", ["en", "cs"])
def test_times_in_the_editors_language_and_time_zone(client, superuser, confirmed, language):
    profile = UserProfile.get_for_user(superuser)
    profile.preferred_language, profile.current_time_zone = language, "Asia/Tokyo"
    profile.save()
    client.force_login(superuser)
    text = visible_text(client.get(inspect_url(confirmed)).content.decode())
    record = ConsentRecord.objects.filter(event="given").first()
    submitted = datetime.fromisoformat(record.evidence["submission"]["at"])
    with translation.override(language), timezone.override("Asia/Tokyo"):
        expected = format_datetime(submitted)
    assert expected in text
    html = client.get(inspect_url(confirmed)).content.decode()
    assert submitted.isoformat() not in visible_text(html.split("data-raw-evidence")[0])


def test_raw_json_is_the_stored_evidence(client, superuser, contact, purpose):
    assign_purpose(contact, purpose, source="form", evidence={"ip": VISITOR_IP})
    client.force_login(superuser)
    html = client.get(inspect_url(contact)).content.decode()
    raw = html.split("data-raw-evidence")[1].split("<pre")[1].split(">", 1)[1].split("</pre>")[0]
    assert json.loads(raw.replace("&quot;", '"')) == {"ip": VISITOR_IP}

"""ESP webhooks are authenticated: forged events change nothing, and the app refuses to
run outside DEBUG while its receiver listens to unauthenticated webhooks."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from wagtail_gdpr_mail.checks import check_webhook_secret
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import PurposeAssignment, Suppression

SENDGRID = "/anymail/sendgrid/tracking/"
POSTMARK = "/anymail/postmark/tracking/"


def sendgrid_spamreport(email: str) -> str:
    return json.dumps(
        [
            {
                "email": email,
                "timestamp": 1764633600,
                "event": "spamreport",
                "sg_event_id": "forged-1",
                "sg_message_id": "forged.filter0001",
            }
        ]
    )


def postmark_spam_complaint(email: str) -> str:
    return json.dumps(
        {
            "RecordType": "SpamComplaint",
            "ID": 42,
            "Type": "SpamComplaint",
            "TypeCode": 512,
            "Name": "Spam complaint",
            "MessageID": "00000000-0000-0000-0000-000000000000",
            "Description": "The subscriber explicitly marked this message as spam.",
            "Email": email,
            "BouncedAt": "2026-12-02T10:00:00Z",
            "Metadata": {},
        }
    )


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def subscribed(contact, make_purpose):
    purpose = make_purpose("Newsletter", revocable_by_unsubscribe=True)
    assign_purpose(contact, purpose, source="admin")
    return contact


@pytest.mark.parametrize(
    ("url", "payload"), [(SENDGRID, sendgrid_spamreport), (POSTMARK, postmark_spam_complaint)]
)
@pytest.mark.parametrize("auth", [None, basic_auth("esp-webhook", "guessed-password")])
def test_a_forged_complaint_changes_nothing(subscribed, url, payload, auth):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    response = Client().post(
        url, payload(subscribed.email), content_type="application/json", **headers
    )
    assert response.status_code in (400, 401, 403)
    assert not Suppression.objects.exists()
    assert PurposeAssignment.objects.get(contact=subscribed).revoked_at is None


@pytest.mark.parametrize(
    ("url", "payload"), [(SENDGRID, sendgrid_spamreport), (POSTMARK, postmark_spam_complaint)]
)
def test_an_authenticated_complaint_suppresses_and_revokes(subscribed, url, payload):
    auth = basic_auth(settings.ANYMAIL_WEBHOOK_USER, settings.ANYMAIL_WEBHOOK_PASSWORD)
    response = Client().post(
        url, payload(subscribed.email), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 200
    assert Suppression.objects.get().reason == "complained"
    assert PurposeAssignment.objects.get(contact=subscribed).revocation_reason == "complaint"


def test_without_a_webhook_secret_the_check_is_an_error_outside_debug(db, settings):
    settings.ANYMAIL = {}
    settings.DEBUG = False
    (error,) = check_webhook_secret()
    assert error.id == "wagtail_gdpr_mail.E010" and error.is_serious()
    with pytest.raises(SystemCheckError, match="E010"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_without_a_webhook_secret_debug_only_warns(settings):
    settings.ANYMAIL = {}
    settings.DEBUG = True
    (warning,) = check_webhook_secret()
    assert not warning.is_serious()


def test_with_a_webhook_secret_the_check_is_quiet(settings):
    assert settings.ANYMAIL["WEBHOOK_SECRET"]
    assert check_webhook_secret() == []

"""Tracking only with consent: who is tracked, what a tracked and an untracked mail look
like, the pixel and the click redirect (never an open redirect), and the report's groups."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import Site

from tests.helpers.deliveries import (
    TRACKING_PURPOSE,
    make_campaign,
    make_delivery,
    tracking_purpose,
)
from wagtail_gdpr_mail.campaigns import tracking
from wagtail_gdpr_mail.campaigns.reports import REPORT_TEMPLATE, campaign_report
from wagtail_gdpr_mail.checks import check_campaign_tracking
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.models import ContactSource, Delivery, LegalBasis, PurposeAssignment

pytestmark = pytest.mark.django_db

MAIL = (
    "<html><body><p>Hello</p>"
    '<a href="https://shop.example.com/offer?a=1&amp;b=2">Offer</a> '
    "<a href='http://example.org/'>Plain</a> "
    '<a href="mailto:info@example.com">Write</a> '
    '<a href="#top">Top</a> '
    '<a href="https://news.example.cz/gdpr-mail/preferences/TOKEN/">Preferences</a>'
    "</body></html>"
)
HREFS = re.compile(r'href=["\']([^"\']+)["\']')


@pytest.fixture
def newsletter(make_purpose):
    return make_purpose("Newsletter")


@pytest.fixture
def tracked_purpose(make_purpose, settings):
    return tracking_purpose(make_purpose, settings)


@pytest.fixture
def site_root(db):
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "news.example.cz", 443
    site.save()
    return "https://news.example.cz/"


def test_without_the_setting_nobody_is_tracked(contact, newsletter, make_purpose):
    assign_purpose(contact, make_purpose(TRACKING_PURPOSE), source=ContactSource.FORM)
    assert tracking.tracked_contact_ids(make_campaign(newsletter), [contact.pk]) == set()


def test_only_valid_holders_of_the_tracking_purpose_are_tracked(
    make_contact, newsletter, tracked_purpose
):
    holder, withdrawn, lapsed, never = (make_contact() for _ in range(4))
    assign_purpose(holder, tracked_purpose, source=ContactSource.FORM)
    held, _ = assign_purpose(withdrawn, tracked_purpose, source=ContactSource.FORM)
    revoke_assignment(held, reason=PurposeAssignment.RevocationReason.WITHDRAWN)
    assign_purpose(
        lapsed,
        tracked_purpose,
        source=ContactSource.FORM,
        valid_from=timezone.now() - timedelta(days=4 * 366),
    )
    ids = [holder.pk, withdrawn.pk, lapsed.pk, never.pk]
    assert tracking.tracked_contact_ids(make_campaign(newsletter), ids) == {holder.pk}


def test_an_untracked_mail_has_no_pixel_and_plain_links(site_root):
    assert tracking.instrument_html(MAIL, token="TOKEN", tracked=False) == MAIL


def test_a_tracked_mail_has_a_pixel_and_redirected_web_links(site_root):
    html = tracking.instrument_html(MAIL, token="TOKEN", tracked=True)
    hrefs = HREFS.findall(html)
    assert hrefs[0].startswith(f"{site_root}gdpr-mail/c/TOKEN/")
    assert hrefs[1].startswith(f"{site_root}gdpr-mail/c/TOKEN/")
    # mailto:, anchors and the recipient's own links stay as they are.
    assert hrefs[2:] == [
        "mailto:info@example.com",
        "#top",
        "https://news.example.cz/gdpr-mail/preferences/TOKEN/",
    ]
    assert f'<img src="{site_root}gdpr-mail/o/TOKEN/"' in html
    assert html.index("data-gdpr-mail-pixel") < html.index("</body>")


def _click_path(html: str, n: int = 0) -> str:
    return urlsplit(HREFS.findall(html)[n].replace("&amp;", "&")).path


def test_a_click_redirects_to_the_target_and_is_recorded_once(
    contact, newsletter, tracked_purpose, site_root
):
    assign_purpose(contact, tracked_purpose, source=ContactSource.FORM)
    delivery, token = make_delivery(make_campaign(newsletter), contact, tracked=True)
    html = tracking.instrument_html(MAIL, token=token, tracked=True)
    response = Client().get(_click_path(html))
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/offer?a=1&b=2"
    assert response["Referrer-Policy"] == "no-referrer"
    first = Delivery.objects.get(pk=delivery.pk).clicked_at
    assert first is not None
    Client().get(_click_path(html, 1))
    assert Delivery.objects.get(pk=delivery.pk).clicked_at == first
    events = delivery.campaign.statistics()["events"]
    assert (events["clicked"], events["opened"]) == (1, 1)


def test_a_tampered_click_link_redirects_nowhere(contact, newsletter, site_root):
    _delivery, token = make_delivery(make_campaign(newsletter), contact, tracked=True)
    path = _click_path(tracking.instrument_html(MAIL, token=token, tracked=True))
    forged = tracking.sign_target("https://evil.example.net/").replace(":", ";")
    for bad in (path[:-3] + "xx/", f"/gdpr-mail/c/{token}/{forged}/"):
        response = Client().get(bad)
        assert response.status_code == 404
        assert "Location" not in response


def test_a_signed_target_of_another_salt_is_refused():
    from django.core import signing

    assert tracking.unsign_target(signing.dumps("https://evil.example.net/")) is None
    assert tracking.unsign_target(tracking.sign_target("javascript:alert(1)")) is None


def test_the_pixel_records_the_first_open_of_a_tracked_mail(
    contact, newsletter, tracked_purpose, site_root
):
    assign_purpose(contact, tracked_purpose, source=ContactSource.FORM)
    delivery, token = make_delivery(make_campaign(newsletter), contact, tracked=True)
    response = Client().get(f"/gdpr-mail/o/{token}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert "no-store" in response["Cache-Control"]
    first = Delivery.objects.get(pk=delivery.pk).opened_at
    assert first is not None
    Client().get(f"/gdpr-mail/o/{token}/")
    assert Delivery.objects.get(pk=delivery.pk).opened_at == first


def test_the_pixel_records_nothing_for_untracked_or_withdrawn_or_unknown(
    make_contact, newsletter, tracked_purpose
):
    campaign = make_campaign(newsletter)
    untracked, token_a = make_delivery(campaign, make_contact(), tracked=False)
    person = make_contact()
    held, _ = assign_purpose(person, tracked_purpose, source=ContactSource.FORM)
    withdrawn, token_b = make_delivery(campaign, person, tracked=True)
    revoke_assignment(held, reason=PurposeAssignment.RevocationReason.WITHDRAWN)
    for token in (token_a, token_b, "unknown-token"):
        response = Client().get(f"/gdpr-mail/o/{token}/")
        assert response.status_code == 200  # the same pixel, whatever the token
    assert not Delivery.objects.filter(opened_at__isnull=False).exists()
    assert {untracked.pk, withdrawn.pk} == set(Delivery.objects.values_list("pk", flat=True))


def test_the_report_shows_tracked_and_untracked_groups(make_contact, newsletter, tracked_purpose):
    campaign = make_campaign(newsletter)
    now = timezone.now()
    for n in range(3):
        row, _ = make_delivery(campaign, make_contact(), tracked=n == 0)
        Delivery.objects.filter(pk=row.pk).update(delivered_at=now)
        if n == 0:
            Delivery.objects.filter(pk=row.pk).update(opened_at=now, clicked_at=now)
    row, _ = make_delivery(campaign, make_contact())
    Delivery.objects.filter(pk=row.pk).update(bounced_at=now)

    report = campaign_report(campaign)
    tracked, untracked = report["groups"]
    assert tracked["recipients"] == 1 and untracked["recipients"] == 3
    assert {r["event"]: r["count"] for r in tracked["rows"]}["opened"] == 1
    assert {r["event"] for r in untracked["rows"]} == {
        "delivered",
        "bounced",
        "complained",
        "unsubscribed",
    }
    assert {r["event"]: r["count"] for r in untracked["rows"]}["bounced"] == 1

    from django.template.loader import render_to_string

    html = render_to_string(REPORT_TEMPLATE, {"report": report})
    assert 'data-gdpr-mail-events-group="untracked"' in html
    assert "Agreed to tracking: 1 recipient" in html


def test_the_checks_want_an_existing_consent_purpose(settings, make_purpose, db):
    settings.WAGTAIL_GDPR_MAIL_TRACKING_PURPOSE = "No such purpose"
    assert [m.id for m in check_campaign_tracking()] == ["wagtail_gdpr_mail.E055"]
    make_purpose("Analytics", legal_basis=LegalBasis.objects.get(code="legitimate_interest"))
    settings.WAGTAIL_GDPR_MAIL_TRACKING_PURPOSE = "Analytics"
    assert [m.id for m in check_campaign_tracking()] == ["wagtail_gdpr_mail.E056"]
    tracking_purpose(make_purpose, settings)
    assert check_campaign_tracking() == []
    settings.WAGTAIL_GDPR_MAIL_PREFERENCE_LINK_DAYS = "soon"
    assert [m.id for m in check_campaign_tracking()] == ["wagtail_gdpr_mail.E057"]

"""The preference centre behind every campaign mail's footer link: what the recipient sees
and what each button does (withdraw, object, ask again through double opt-in)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, override_settings
from wagtail.models import ModelLogEntry, Site

from tests.helpers.deliveries import make_campaign, make_delivery, post_button, preferences_path
from tests.helpers.links import confirm_path
from tests.helpers.rights import after_commit
from tests.helpers.subscribing import press_confirm
from wagtail_gdpr_mail.audit import ASK_AGAIN
from wagtail_gdpr_mail.campaigns.preferences import mask_email, preference_url
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.models import ConsentRecord, ContactSource, LegalBasis, PurposeAssignment
from wagtail_gdpr_mail.rights.erasure import erase_contacts

pytestmark = pytest.mark.django_db

VISITOR = {"REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": "PreferencesPhone/1.0"}


def visitor() -> Client:
    return Client(enforce_csrf_checks=True, **VISITOR)


@pytest.fixture
def newsletter(make_purpose):
    return make_purpose("Newsletter", visitor_text="Our monthly newsletter.")


@pytest.fixture
def sent(contact, newsletter):
    """Jana holds the newsletter and got a campaign for it; her mail's token."""
    assign_purpose(contact, newsletter, source=ContactSource.FORM)
    _delivery, token = make_delivery(make_campaign(newsletter), contact)
    return token


def open_page(token: str, client: Client | None = None):
    response = (client or visitor()).get(preferences_path(token))
    return response, response.content.decode()


def test_the_page_shows_the_purposes_with_text_and_retention_and_a_masked_address(sent, contact):
    response, html = open_page(sent)
    assert response.status_code == 200
    assert "Our monthly newsletter." in html
    assert "3 years" in html
    assert "j•••@e•••.com" in html
    assert contact.email not in html
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_opening_the_page_changes_nothing(sent, contact):
    before = ConsentRecord.objects.count()
    for _ in range(3):
        open_page(sent)
    assert ConsentRecord.objects.count() == before
    assert PurposeAssignment.objects.get(contact=contact).revoked_at is None


def test_the_page_shows_the_text_agreed_to_next_to_todays(sent, newsletter):
    newsletter.visitor_text = "Our weekly newsletter, with offers of our partners."
    newsletter.save()
    newsletter.save_revision(log_action=False)
    _response, html = open_page(sent)
    assert "The text you agreed to (version 1)" in html
    assert "Our monthly newsletter." in html
    assert "The text today (version 2)" in html
    assert "Our weekly newsletter, with offers of our partners." in html


def test_withdrawing_a_consent_revokes_it_with_the_campaign_as_evidence(sent, contact):
    client = visitor()
    _response, html = open_page(sent, client)
    with after_commit():
        response = post_button(client, html, "data-gdpr-mail-withdraw", "Newsletter")
    assert response.status_code == 302
    assignment = PurposeAssignment.objects.get(contact=contact)
    assert assignment.revocation_reason == PurposeAssignment.RevocationReason.WITHDRAWN
    record = contact.consent_records.get(event=ConsentRecord.Event.REVOKED)
    assert record.evidence["withdrawal"]["via"] == "preference_centre"
    assert record.evidence["withdrawal"]["ip"] == VISITOR["REMOTE_ADDR"]
    _response, html = open_page(sent)
    assert "Withdrawn" in html
    assert "data-gdpr-mail-withdraw" not in html


def test_the_page_says_what_the_button_did(sent):
    client = visitor()
    _response, html = open_page(sent, client)
    response = post_button(client, html, "data-gdpr-mail-withdraw")
    page = client.get(response["Location"]).content.decode()
    assert "Your consent to “Newsletter” is withdrawn." in page


def test_objecting_to_a_legitimate_interest_ends_it(sent, contact, make_purpose):
    survey = make_purpose(
        "Customer survey", legal_basis=LegalBasis.objects.get(code="legitimate_interest")
    )
    assign_purpose(contact, survey, source=ContactSource.ADMIN)
    client = visitor()
    _response, html = open_page(sent, client)
    post_button(client, html, "data-gdpr-mail-object", "Customer survey")
    ended = PurposeAssignment.objects.get(contact=contact, purpose=survey)
    assert ended.revocation_reason == PurposeAssignment.RevocationReason.OBJECTION
    assert PurposeAssignment.objects.get(contact=contact, purpose__name="Newsletter").is_valid


def test_a_contract_purpose_has_no_button_and_a_forged_post_changes_nothing(
    sent, contact, make_purpose
):
    orders = make_purpose("Order updates", legal_basis=LegalBasis.objects.get(code="contract"))
    held, _ = assign_purpose(contact, orders, source=ContactSource.ADMIN)
    _response, html = open_page(sent)
    assert "data-gdpr-mail-not-withdrawable" in html
    client = visitor()
    client.get(preferences_path(sent))
    token = client.cookies["csrftoken"].value
    client.post(f"{preferences_path(sent)}withdraw/{held.pk}/", {"csrfmiddlewaretoken": token})
    held.refresh_from_db()
    assert held.revoked_at is None


def test_a_post_without_the_csrf_token_is_refused(sent, contact):
    held = PurposeAssignment.objects.get(contact=contact)
    response = visitor().post(f"{preferences_path(sent)}withdraw/{held.pk}/")
    assert response.status_code == 403
    held.refresh_from_db()
    assert held.revoked_at is None


def test_nobody_withdraws_another_persons_purpose(sent, make_contact, newsletter):
    other = make_contact("someone.else@example.com")
    theirs, _ = assign_purpose(other, newsletter, source=ContactSource.ADMIN)
    client = visitor()
    client.get(preferences_path(sent))
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"{preferences_path(sent)}withdraw/{theirs.pk}/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_asking_again_sends_a_double_opt_in_and_only_the_confirmation_restores(
    sent, contact, newsletter
):
    revoke_assignment(
        PurposeAssignment.objects.get(contact=contact),
        reason=PurposeAssignment.RevocationReason.WITHDRAWN,
    )
    mail.outbox.clear()
    client = visitor()
    _response, html = open_page(sent, client)
    with after_commit():
        response = post_button(client, html, "data-gdpr-mail-ask-again", "Newsletter")
    assert response.status_code == 302
    assert "We sent you an e-mail" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == [contact.email]
    assert "Our monthly newsletter." in message.body
    # Nothing is given back before the confirmation.
    assert not PurposeAssignment.objects.valid_at().filter(contact=contact).exists()
    assert ModelLogEntry.objects.filter(action=ASK_AGAIN).count() == 1

    press_confirm(Client(enforce_csrf_checks=True), confirm_path(message))
    renewed = PurposeAssignment.objects.valid_at().get(contact=contact, purpose=newsletter)
    given = renewed.records.get(event=ConsentRecord.Event.GIVEN)
    assert given.evidence["form"]["source"] == "preference_centre"
    assert given.evidence["submission"]["ip"] == VISITOR["REMOTE_ADDR"]
    _response, html = open_page(sent)
    assert "data-gdpr-mail-withdraw" in html


def test_a_double_click_on_ask_again_sends_one_mail(sent, contact):
    revoke_assignment(
        PurposeAssignment.objects.get(contact=contact),
        reason=PurposeAssignment.RevocationReason.WITHDRAWN,
    )
    mail.outbox.clear()
    client = visitor()
    _response, html = open_page(sent, client)
    with after_commit():
        post_button(client, html, "data-gdpr-mail-ask-again")
        second = post_button(client, html, "data-gdpr-mail-ask-again")
    assert len(mail.outbox) == 1
    assert (
        "cannot send you another confirmation e-mail"
        in client.get(second["Location"]).content.decode()
    )


def test_a_held_purpose_cannot_be_asked_again(sent, newsletter):
    client = visitor()
    client.get(preferences_path(sent))
    token = client.cookies["csrftoken"].value
    with after_commit():
        client.post(
            f"{preferences_path(sent)}ask-again/{newsletter.pk}/", {"csrfmiddlewaretoken": token}
        )
    assert mail.outbox == []


@pytest.mark.parametrize("token", ["x" * 300, "not-a-token", "%00%27"])
def test_unknown_links_get_one_friendly_page(db, token):
    response = visitor().get(f"/gdpr-mail/preferences/{token}/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


@override_settings(WAGTAIL_GDPR_MAIL_PREFERENCE_LINK_DAYS=30)
def test_the_link_expires_after_the_setting_s_days(contact, newsletter):
    assign_purpose(contact, newsletter, source=ContactSource.FORM)
    campaign = make_campaign(newsletter)
    _fresh, fresh = make_delivery(campaign, contact, sent_days_ago=29)
    assert open_page(fresh)[0].status_code == 200
    old_campaign = make_campaign(newsletter, name="Autumn news")
    _old, old = make_delivery(old_campaign, contact, sent_days_ago=31)
    response, html = open_page(old)
    assert response.status_code == 404
    assert "/gdpr-mail/my-data/" in html


def test_the_link_of_an_erased_contact_shows_nothing(sent, contact):
    erase_contacts([contact], "anonymise")
    assert open_page(sent)[0].status_code == 404


def test_the_preference_url_is_absolute_on_the_sites_root(db):
    Site.objects.filter(is_default_site=True).update(hostname="news.example.cz", port=443)
    assert preference_url("abc") == "https://news.example.cz/gdpr-mail/preferences/abc/"


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("jana.novakova@example.com", "j•••@e•••.com"),
        ("a@b", "a•••@b•••"),
        ("x@mail.example.co.uk", "x•••@m•••.uk"),
    ],
)
def test_addresses_are_masked(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize("action", ["withdraw", "ask-again"])
def test_a_huge_id_gets_the_invalid_page_not_an_error(sent, action):
    client = visitor()
    client.get(preferences_path(sent))
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"{preferences_path(sent)}{action}/{10**30}/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 404

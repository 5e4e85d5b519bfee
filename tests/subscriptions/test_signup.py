"""Subscribing through a form on a page and confirming by e-mail (issue 3): what a
visitor, an editor or an auditor notices. Mail goes to Anymail's test backend; Celery
runs eagerly.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.html_forms import parse_forms
from tests.helpers.links import confirm_links, confirm_path
from tests.helpers.subscribing import (
    ALREADY_TEXT,
    CONFIRM_AGENT,
    CONFIRM_IP,
    CONFIRMED_TEXT,
    EMAIL,
    FIRST,
    LAST,
    PRIVACY_URL,
    VISITOR_AGENT,
    VISITOR_IP,
    form_sections,
    make_visitor,
    press_confirm,
    subscribe_default,
    subscription_forms,
    success_location,
)
from wagtail_gdpr_mail.mail import REDACTED_LINK
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ContactSource,
    ListMembership,
    PurposeAssignment,
)
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- Subscribing -------------------------------------------------------------------


def test_the_page_shows_the_form_with_its_purposes_and_privacy_link(subscription_page, visitor):
    sp = subscription_page
    response = visitor.get(sp.url)
    html = response.content.decode()
    form = subscription_forms(html)[sp.form_id]
    assert set(form.values) >= {"page_id", "form_id", "rendered_at", "csrfmiddlewaretoken"}
    assert form.values["page_id"] == str(sp.page.pk)
    assert form.checkboxes == [f"purpose_{sp.extra.pk}"] and form.checked == []  # unticked
    section = form_sections(html)[sp.form_id]
    for text in (
        "Subscribe to our newsletter",
        "We will send you our newsletter monthly.",
        "We will tell you who won our competitions.",
        "Example Shop s.r.o.",
        f'href="{PRIVACY_URL}"',
    ):
        assert text in section


def test_submitting_stores_a_pending_signup_and_mails_the_link_but_makes_no_contact(
    subscription_page, visitor, client, superuser, make_contact
):
    sp = subscription_page
    response = subscribe_default(sp, visitor)
    assert response.status_code == 302
    assert response["Location"] == success_location(sp.form_id)

    signup = PendingSignup.objects.get()
    assert signup.email == EMAIL and signup.form_id == sp.form_id
    assert signup.mail_status == PendingSignup.MailStatus.SENT and signup.mail_attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert message.subject == "Please confirm your subscription"
    assert f"Hello {FIRST} {LAST}," in message.body
    (link,) = set(confirm_links([message]))
    assert link.startswith("http://localhost/gdpr-mail/confirm/")  # the Site, not Host
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html
    # What the ESP gets (Anymail's test backend records it): the signup to find on a
    # bounce, a tag, and the link left untouched by click tracking.
    sent = message.anymail_test_params
    assert sent["metadata"] == {"gdpr_mail_signup": str(signup.pk)}
    assert sent["tags"] == ["gdpr-mail-confirmation"]
    assert sent["track_clicks"] is False

    assert Contact.objects.count() == 0
    assert PurposeAssignment.objects.count() == 0 and ListMembership.objects.count() == 0

    # The visitor sees the thank-you message where the form was.
    page = visitor.get(response["Location"]).content.decode()
    assert "Thank you. Please check your mailbox." in form_sections(page)[sp.form_id]

    # An editor finds no trace of the pending signup among the contacts.
    make_contact("someone.else@example.com")
    client.force_login(superuser)
    listing = client.get(LISTING)
    assert listing.status_code == 200
    assert "someone.else@example.com" in listing.content.decode()  # the listing works
    assert EMAIL not in listing.content.decode()
    searched = client.post(f"{LISTING}search/", {"email": EMAIL}, follow=True)
    assert searched.status_code == 200
    assert "someone.else@example.com" not in searched.content.decode()
    assert EMAIL not in searched.content.decode().replace(f'value="{EMAIL}"', "")


def test_opening_the_link_shows_a_button_and_confirms_nothing(subscription_page):
    subscribe_default(subscription_page)
    path = confirm_path(mail.outbox[0])
    for _ in range(3):  # mail scanners fetch links, sometimes several times
        response = Client(HTTP_USER_AGENT="LinkScanner/1.0").get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert "data-gdpr-mail-confirm" in html and 'method="post"' in html
    head = Client().head(path)
    assert head.status_code < 500
    assert Contact.objects.count() == 0 and PurposeAssignment.objects.count() == 0
    assert PendingSignup.objects.get().confirmed_at is None


def test_pressing_confirm_makes_the_contact_with_purposes_list_and_full_proof(
    subscription_page, visitor
):
    sp = subscription_page
    submitted_before = timezone.now()
    subscribe_default(sp, visitor, tick=[sp.extra])
    message = mail.outbox[0]
    (link,) = set(confirm_links([message]))
    token = link.rstrip("/").rsplit("/", 1)[1]
    main_revision, extra_revision = sp.main.latest_revision_id, sp.extra.latest_revision_id

    phone = make_visitor(CONFIRM_IP, CONFIRM_AGENT)
    before = timezone.now()
    response = press_confirm(phone, confirm_path(message))
    after = timezone.now()
    assert response.status_code == 200
    assert CONFIRMED_TEXT in response.content.decode()

    contact = Contact.objects.by_email(EMAIL).get()  # found through the blind index
    assert Contact.objects.by_email(EMAIL.upper()).get() == contact
    assert (contact.email, contact.first_name, contact.last_name) == (EMAIL, FIRST, LAST)
    assert contact.source == ContactSource.FORM
    membership = ListMembership.objects.get(contact=contact)
    assert membership.contact_list == sp.contact_list and before <= membership.added_at <= after

    assignments = {a.purpose_id: a for a in contact.assignments.all()}
    assert set(assignments) == {sp.main.pk, sp.extra.pk}
    for purpose, years in ((sp.main, 3), (sp.extra, 1)):
        assignment = assignments[purpose.pk]
        assert assignment.source == ContactSource.FORM and assignment.is_valid
        assert before <= assignment.valid_from <= after
        assert assignment.valid_until == purpose.valid_until_from(assignment.valid_from)
        length = assignment.valid_until - assignment.valid_from
        assert timedelta(days=365 * years) <= length <= timedelta(days=366 * years)

    records = list(ConsentRecord.objects.filter(contact=contact))
    assert sorted((r.purpose_id, r.event) for r in records) == sorted(
        [(sp.main.pk, "given"), (sp.extra.pk, "given")]
    )
    for record in records:
        assert record.assignment_id == assignments[record.purpose_id].pk
        expected_revision = main_revision if record.purpose_id == sp.main.pk else extra_revision
        assert record.purpose_revision_id == expected_revision
        evidence = record.evidence
        submission, confirmation = evidence["submission"], evidence["confirmation"]
        assert (submission["ip"], submission["user_agent"]) == (VISITOR_IP, VISITOR_AGENT)
        assert submitted_before <= at(submission["at"]) <= before
        assert (confirmation["ip"], confirmation["user_agent"]) == (CONFIRM_IP, CONFIRM_AGENT)
        assert before <= at(confirmation["at"]) <= after

        form = evidence["form"]
        assert form["page"]["id"] == sp.page.pk and form["form_id"] == sp.form_id
        assert form["heading"] == "Subscribe to our newsletter"
        assert "Example Shop s.r.o. processes your e-mail address" in form["info_text"]
        assert form["privacy_link"] == PRIVACY_URL
        assert form["main_purpose"]["name"] == "Newsletter"
        assert form["main_purpose"]["text"] == "We will send you our newsletter monthly."
        assert form["main_purpose"]["revision_id"] == main_revision
        (extra,) = form["extra_purposes"]
        assert (extra["name"], extra["text"], extra["revision_id"]) == (
            "Competition results",
            "We will tell you who won our competitions.",
            extra_revision,
        )

        sent = evidence["mail"]
        assert sent["subject"] == message.subject
        assert sent["text"] == message.body.replace(link, REDACTED_LINK)
        assert REDACTED_LINK in sent["text"] and REDACTED_LINK in sent["html"]
        assert f"Hello {FIRST} {LAST}," in sent["text"]
        assert token not in json.dumps(evidence)

    entries = ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.confirm_signup")
    (entry,) = entries
    assert entry.object_id == str(contact.pk)
    for entry in ModelLogEntry.objects.all():
        logged = f"{entry.label} {json.dumps(entry.data, ensure_ascii=False)}".lower()
        for personal in (EMAIL, "kvetoslava", FIRST, LAST, VISITOR_IP, CONFIRM_IP):
            assert personal.lower() not in logged
        assert "subscriptiontester" not in logged and "confirmingphone" not in logged

    # The signup row keeps nothing personal once the evidence is in the records.
    signup = PendingSignup.objects.get()
    assert signup.confirmed_at is not None
    assert signup.email == "" and signup.data == {} and signup.mail_snapshot is None


def test_an_optional_purpose_left_unticked_is_not_given(subscription_page):
    sp = subscription_page
    subscribe_default(sp)
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    contact = Contact.objects.get()
    assert [a.purpose_id for a in contact.assignments.all()] == [sp.main.pk]
    assert ConsentRecord.objects.filter(contact=contact).count() == 1


def test_the_proof_points_at_the_purpose_version_the_visitor_saw(subscription_page):
    """An editor rewords the purpose between the visitor's submission and confirmation:
    the consent record must point at the revision shown on the form (DESIGN §3)."""
    sp = subscription_page
    shown_revision = sp.main.latest_revision_id
    subscribe_default(sp)
    sp.main.visitor_text = "We will send you our newsletter and also sell your address."
    sp.main.save()
    sp.main.save_revision(log_action=False)
    assert sp.main.latest_revision_id != shown_revision
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    record = ConsentRecord.objects.get(purpose=sp.main)
    assert record.evidence["form"]["main_purpose"]["revision_id"] == shown_revision
    assert record.purpose_revision_id == shown_revision


def test_a_second_press_says_already_confirmed_and_changes_nothing(subscription_page, visitor):
    sp = subscription_page
    subscribe_default(sp, visitor, tick=[sp.extra])
    path = confirm_path(mail.outbox[0])
    (form,) = [f for f in parse_forms(visitor.get(path).content.decode()) if f.method == "post"]
    first = visitor.post(path, form.values)  # a double click: the same form twice
    second = visitor.post(path, form.values)
    assert first.status_code == 200 and CONFIRMED_TEXT in first.content.decode()
    assert second.status_code == 200 and ALREADY_TEXT in second.content.decode()
    again = visitor.get(path)
    assert again.status_code == 200 and ALREADY_TEXT in again.content.decode()
    assert Contact.objects.count() == 1
    assert PurposeAssignment.objects.count() == 2
    assert ConsentRecord.objects.count() == 2 and ListMembership.objects.count() == 1
    assert ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.confirm_signup").count() == 1


def test_a_known_contact_who_subscribes_again_keeps_one_contact_and_one_assignment(
    subscription_page, make_contact
):
    sp = subscription_page
    existing = make_contact(EMAIL.upper(), first_name="Květa", last_name="")
    subscribe_default(sp)
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    assert Contact.objects.get() == existing
    assert PurposeAssignment.objects.get().purpose == sp.main

"""Issue 3's acceptance: subscribing through a form on a page and confirming by e-mail.

Every test drives the site as a visitor does — opens the page, reads the form's
hidden fields, types, sends it back with its CSRF token, opens the link from the
mail and presses the button — and asserts what a visitor, an editor or an auditor
would notice. Mail goes to Django's locmem outbox; Celery runs eagerly.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.models import ModelLogEntry

from wagtail_gdpr_mail import tasks
from wagtail_gdpr_mail.blocks import SubscriptionFormBlock
from wagtail_gdpr_mail.conf import app_settings
from wagtail_gdpr_mail.mail import REDACTED_LINK
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ContactSource,
    ListMembership,
    PurposeAssignment,
)
from wagtail_gdpr_mail.models.signups import PendingSignup, SignupToken

from .conftest import database_is_postgres, need, pg_dump, sqlite_dump, sqlite_file_bytes
from .subscription_fixtures import *  # noqa: F403
from .subscription_fixtures import (
    CONFIRM_AGENT,
    CONFIRM_IP,
    PRIVACY_URL,
    VISITOR_AGENT,
    VISITOR_IP,
    _live_home_page,
    confirm_links,
    confirm_path,
    form_sections,
    form_value,
    make_visitor,
    open_form,
    parse_forms,
    post_form,
    press_confirm,
    subscribe,
    subscription_forms,
)

EMAIL = "kvetoslava.nova@example.cz"
FIRST, LAST = "Květoslava", "Nová"
LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"
CONFIRMED_TEXT = "Thank you, your subscription is confirmed."
ALREADY_TEXT = "You have already confirmed this subscription."
FLAKY = "tests.subscription_fixtures.FlakyBackend"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_fill_delay(settings):
    """Tests that are not about timing send the form back at once."""
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0


def success_location(form_id: str) -> str:
    return f"/?subscribed={form_id}#form-{form_id}"


def subscribe_default(sp, client=None, **kwargs):
    kwargs.setdefault("email", EMAIL)
    kwargs.setdefault("first_name", FIRST)
    kwargs.setdefault("last_name", LAST)
    return subscribe(client or make_visitor(), sp.url, sp.form_id, **kwargs)


def stored() -> tuple[int, int, int]:
    return PendingSignup.objects.count(), Contact.objects.count(), len(mail.outbox)


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
    assert link.startswith("http://testserver/gdpr-mail/confirm/")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html

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
    searched = client.get(f"{LISTING}results/", {"q": EMAIL})
    assert searched.status_code == 200
    assert "No contacts match your query." in searched.content.decode()


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


def _race(count: int, request) -> list:
    """Run ``request()`` in ``count`` threads released at the same moment."""
    from django.db import connections

    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = request(index)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_presses_of_one_link_confirm_once(subscription_page):
    need(database_is_postgres(), "PostgreSQL")
    sp = subscription_page
    subscribe_default(sp, tick=[sp.extra])
    path = confirm_path(mail.outbox[0])
    responses = _race(4, lambda i: Client(REMOTE_ADDR=f"192.0.2.{i + 1}").post(path))
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [200] * 4
    bodies = [r.content.decode() for r in responses]
    assert sum(CONFIRMED_TEXT in b for b in bodies) == 1
    assert sum(ALREADY_TEXT in b for b in bodies) == 3
    assert Contact.objects.count() == 1
    assert sorted(PurposeAssignment.objects.values_list("purpose_id", flat=True)) == sorted(
        [sp.main.pk, sp.extra.pk]
    )
    assert ConsentRecord.objects.count() == 2 and ListMembership.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_signups_of_one_address_confirmed_at_once_make_one_contact(subscription_page, settings):
    need(database_is_postgres(), "PostgreSQL")
    settings.WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES = 0
    sp = subscription_page
    subscribe_default(sp)
    subscribe_default(sp, email=EMAIL.upper(), tick=[sp.extra])
    assert PendingSignup.objects.count() == 2 and len(mail.outbox) == 2
    paths = [confirm_path(message) for message in mail.outbox]
    responses = _race(2, lambda i: Client().post(paths[i]))
    assert all(not isinstance(r, Exception) for r in responses), responses
    for response in responses:
        assert response.status_code == 200 and CONFIRMED_TEXT in response.content.decode()
    contact = Contact.objects.get()
    current = PurposeAssignment.objects.filter(contact=contact).current()
    assert sorted(current.values_list("purpose_id", flat=True)) == sorted([sp.main.pk, sp.extra.pk])
    assert ListMembership.objects.count() == 1
    assert PendingSignup.objects.filter(confirmed_at__isnull=True).count() == 0


# --- Links that do not work -----------------------------------------------------------


def test_an_expired_link_says_so_and_offers_to_subscribe_again(subscription_page):
    subscribe_default(subscription_page)
    path = confirm_path(mail.outbox[0])
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for response in (Client().get(path), Client().post(path)):
        assert response.status_code == 410
        html = response.content.decode()
        assert "This link has expired" in html
        assert re.search(r'<a href="/">\s*Subscribe again\s*</a>', html)
    assert Contact.objects.count() == 0
    assert PendingSignup.objects.get().confirmed_at is None


@pytest.mark.parametrize("token", ["forged", "A" * 43, "x" * 201, "%25"])
def test_an_unknown_link_gets_a_friendly_404(subscription_page, token):
    subscribe_default(subscription_page)
    path = f"/gdpr-mail/confirm/{token}/"
    for response in (Client().get(path), Client().post(path)):
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    assert Contact.objects.count() == 0


def test_a_used_link_after_the_purge_gets_a_friendly_404(subscription_page):
    subscribe_default(subscription_page)
    path = confirm_path(mail.outbox[0])
    press_confirm(Client(), path)
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    tasks.purge_expired_signups()
    assert not PendingSignup.objects.exists() and not SignupToken.objects.exists()
    for response in (Client().get(path), Client().post(path)):
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    assert Contact.objects.count() == 1  # the contact stays, of course


# --- Same answer, quiet period, bots, limits ------------------------------------------


def _answer(response) -> tuple:
    return response.status_code, response.get("Location"), response.content


def test_the_answer_is_the_same_for_known_new_and_pending_addresses(
    subscription_page, make_contact
):
    sp = subscription_page
    make_contact("known@example.com")
    known = subscribe_default(sp, email="known@example.com")
    new = subscribe_default(sp, email="new@example.com")
    pending = subscribe_default(sp, email="new@example.com")  # within the quiet period
    assert _answer(known) == _answer(new) == _answer(pending)
    assert known.status_code == 302 and known["Location"] == success_location(sp.form_id)
    assert set(known.headers) == set(new.headers)


def test_no_second_mail_within_the_quiet_period(subscription_page, settings):
    sp = subscription_page
    first = subscribe_default(sp)
    second = subscribe_default(sp, email=EMAIL.upper())
    assert _answer(first) == _answer(second)
    assert PendingSignup.objects.count() == 1 and len(mail.outbox) == 1

    quiet = timedelta(minutes=app_settings.QUIET_PERIOD_MINUTES)
    PendingSignup.objects.update(created_at=timezone.now() - quiet - timedelta(minutes=1))
    cache.clear()  # time passed: the quiet-period guard in the cache expired too
    subscribe_default(sp)
    assert PendingSignup.objects.count() == 2 and len(mail.outbox) == 2

    settings.WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES = 0
    subscribe_default(sp)
    assert PendingSignup.objects.count() == 3 and len(mail.outbox) == 3


def test_a_filled_honeypot_gets_the_same_answer_and_stores_nothing(subscription_page):
    sp = subscription_page
    response = subscribe_default(sp, website="https://cheap-pills.example")
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    assert stored() == (0, 0, 0)


@override_settings(WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP=(2, 3600))
def test_too_many_submissions_from_one_ip_get_a_friendly_429(subscription_page):
    sp = subscription_page
    for number in (1, 2):
        response = subscribe_default(sp, email=f"person{number}@example.com")
        assert response.status_code == 302
    third = subscribe_default(sp, email="person3@example.com")
    assert third.status_code == 429
    html = third.content.decode()
    assert "Too many attempts" in html and "Nothing was saved" in html
    assert stored() == (2, 0, 2)
    other_ip = subscribe_default(sp, make_visitor("192.0.2.200"), email="person4@example.com")
    assert other_ip.status_code == 302 and stored() == (3, 0, 3)


@override_settings(
    WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_ADDRESS=(2, 3600), WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES=0
)
def test_too_many_submissions_for_one_address_are_silently_dropped(subscription_page):
    sp = subscription_page
    answers = [
        subscribe_default(sp, make_visitor(f"192.0.2.{n}"), email=email)
        for n, email in enumerate([EMAIL, EMAIL, EMAIL.upper(), f"  {EMAIL} "], start=1)
    ]
    assert len({_answer(a) for a in answers}) == 1
    assert answers[0].status_code == 302
    assert stored() == (2, 0, 2)


def test_an_invalid_address_shows_the_form_again_with_the_error(subscription_page, visitor):
    sp = subscription_page
    response = subscribe_default(sp, visitor, email="not-an-address")
    assert response.status_code == 400
    html = response.content.decode()
    section = form_sections(html)[sp.form_id]
    assert "Enter a valid email address." in section
    form = subscription_forms(html)[sp.form_id]
    assert form.values["first_name"] == FIRST  # what the visitor typed is kept
    assert form.values["email"] == "not-an-address"
    assert stored() == (0, 0, 0)

    missing = post_form(visitor, form, email="")
    assert missing.status_code == 400
    assert "This field is required." in form_sections(missing.content.decode())[sp.form_id]
    assert stored() == (0, 0, 0)


def test_a_form_that_is_no_longer_on_the_page_gets_a_friendly_404(subscription_page, visitor):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    form.values["form_id"] = "f" * 32
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code == 404
    assert "This form is no longer available" in response.content.decode()
    assert stored() == (0, 0, 0)


def test_a_form_whose_main_purpose_was_deleted_answers_without_an_error(subscription_page, visitor):
    """The editor deletes the form's purpose while a visitor has the page open."""
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    sp.main.delete()
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code in (400, 404)
    assert stored() == (0, 0, 0)


# --- Timing: people are slower than bots ------------------------------------------------


@override_settings(WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=30)
def test_a_form_sent_back_too_fast_gets_the_same_answer_and_stores_nothing(subscription_page):
    sp = subscription_page
    response = subscribe_default(sp)
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize("rendered_at", ["1700000000.0", "1700000000.0:forgedsignature", ""])
def test_a_forged_form_timestamp_stores_nothing(subscription_page, visitor, rendered_at):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    form.values["rendered_at"] = rendered_at
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response["Location"] == success_location(sp.form_id)
    assert stored() == (0, 0, 0)


@override_settings(WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=1)
def test_a_person_who_takes_a_moment_to_type_is_subscribed(subscription_page, visitor):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    time.sleep(1.1)  # reading, typing
    response = post_form(visitor, form, email=EMAIL, first_name=FIRST)
    assert response.status_code == 302
    assert stored() == (1, 0, 1)


# --- The block in the editor ------------------------------------------------------------


def _block_value(sp, **overrides):
    block = SubscriptionFormBlock()
    raw = {
        "heading": "Subscribe",
        "intro": "",
        "ask_first_name": True,
        "ask_last_name": False,
        "main_purpose": sp.main.pk,
        "extra_purposes": [sp.extra.pk],
        "info_text": "<p>We process your address.</p>",
        "privacy_page": None,
        "privacy_url": PRIVACY_URL,
        "target_list": sp.contact_list.pk,
        "submit_label": "Subscribe",
        "success_message": "Thanks.",
        "mail_subject": "Confirm",
        "mail_body": "Hello {name}, open {confirm_url}",
        "form_id": "",
    }
    raw.update(overrides)
    return block, block.to_python(raw)


def _block_errors(sp, **overrides) -> dict:
    block, value = _block_value(sp, **overrides)
    with pytest.raises(StructBlockValidationError) as caught:
        block.clean(value)
    return caught.value.block_errors


def test_the_block_needs_a_main_purpose(subscription_page):
    assert "main_purpose" in _block_errors(subscription_page, main_purpose=None)


def test_the_main_purpose_cannot_also_be_optional(subscription_page):
    sp = subscription_page
    assert "extra_purposes" in _block_errors(sp, extra_purposes=[sp.extra.pk, sp.main.pk])


def test_the_block_needs_a_privacy_link(subscription_page):
    assert "privacy_url" in _block_errors(subscription_page, privacy_url="", privacy_page=None)


def test_the_mail_text_needs_the_confirmation_link(subscription_page):
    errors = _block_errors(subscription_page, mail_body="Hello {name}, welcome!")
    assert "mail_body" in errors


def test_a_valid_block_gets_a_form_id_once(subscription_page):
    block, value = _block_value(subscription_page)
    cleaned = block.clean(value)
    assert re.fullmatch(r"[0-9a-f]{32}", cleaned["form_id"])
    _, kept = _block_value(subscription_page, form_id="keep-me")
    assert block.clean(kept)["form_id"] == "keep-me"


def test_several_forms_on_one_page_work_independently(two_form_page, visitor):
    tp = two_form_page
    html = visitor.get(tp.url).content.decode()
    forms = subscription_forms(html)
    assert set(forms) == {tp.form_a, tp.form_b}
    assert forms[tp.form_a].checkboxes == [f"purpose_{tp.a_extra.pk}"]
    assert forms[tp.form_b].checkboxes == [f"purpose_{tp.b_extra.pk}"]

    response = post_form(visitor, forms[tp.form_b], email=EMAIL, tick=[tp.b_extra])
    assert response["Location"] == success_location(tp.form_b)
    sections = form_sections(visitor.get(response["Location"]).content.decode())
    assert "Thanks from B." in sections[tp.form_b] and "<form" not in sections[tp.form_b]
    assert "Thanks from A." not in sections[tp.form_a] and "<form" in sections[tp.form_a]

    press_confirm(Client(), confirm_path(mail.outbox[0]))
    contact = Contact.objects.get()
    assert sorted(a.purpose_id for a in contact.assignments.all()) == sorted(
        [tp.b_main.pk, tp.b_extra.pk]
    )
    assert [m.contact_list for m in ListMembership.objects.all()] == [tp.list_b]
    record = ConsentRecord.objects.filter(purpose=tp.b_main).get()
    assert record.evidence["form"]["form_id"] == tp.form_b
    assert record.evidence["form"]["heading"] == "Form B"


def test_a_form_on_an_unpublished_page_takes_nothing(subscription_page, visitor):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    sp.page.unpublish()
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code == 404
    assert stored() == (0, 0, 0)


# --- The mail itself -------------------------------------------------------------------


def test_markup_in_a_name_is_not_markup_in_the_mail(subscription_page):
    subscribe_default(subscription_page, first_name="<b>Bold</b>", last_name="<img src=x>")
    html, _ = mail.outbox[0].alternatives[0]
    assert "<b>Bold</b>" not in html and "<img src=x>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_a_line_break_in_a_name_cannot_break_the_mail_header(make_purpose, contact_list):
    """The editor put {name} into the subject; a visitor (or a bot) types a CR into
    the name field. The mail must still go out, with a one-line subject."""
    main = make_purpose("Newsletter")
    form_id = "c" * 32
    page = _live_home_page(
        [
            form_value(
                main=main,
                target_list=contact_list,
                form_id=form_id,
                mail_subject="{name}, please confirm your subscription",
            )
        ]
    )
    response = subscribe(
        make_visitor(), page.url, form_id, email=EMAIL, first_name="Jana\rBcc: x@example.org"
    )
    assert response.status_code == 302
    signup = PendingSignup.objects.get()
    assert len(mail.outbox) == 1, f"mail not sent; status {signup.mail_status}"
    message = mail.outbox[0]
    assert "\r" not in message.subject and "\n" not in message.subject
    assert message.message()["Bcc"] is None
    assert signup.mail_status == PendingSignup.MailStatus.SENT


# --- The ESP fails ---------------------------------------------------------------------


@override_settings(EMAIL_BACKEND=FLAKY, WAGTAIL_GDPR_MAIL_MAIL_RETRY_BASE_SECONDS=0)
@pytest.mark.parametrize("failures", [1, 3])
def test_esp_errors_are_retried_and_the_mail_goes_out_once(subscription_page, flaky_esp, failures):
    flaky_esp(failures)
    response = subscribe_default(subscription_page)
    assert response.status_code == 302
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.SENT
    assert signup.mail_attempts == failures + 1
    # Each attempt issued its own token; only the sent mail's link is in the outbox.
    assert SignupToken.objects.filter(signup=signup).count() == failures + 1
    assert len(mail.outbox) == 1 and len(set(confirm_links(mail.outbox))) == 1
    assert signup.mail_snapshot["subject"] == mail.outbox[0].subject
    response = press_confirm(Client(), confirm_path(mail.outbox[0]))
    assert CONFIRMED_TEXT in response.content.decode()
    assert Contact.objects.count() == 1


@override_settings(
    EMAIL_BACKEND=FLAKY,
    WAGTAIL_GDPR_MAIL_MAIL_RETRY_BASE_SECONDS=0,
    WAGTAIL_GDPR_MAIL_MAIL_MAX_ATTEMPTS=3,
)
def test_mail_the_esp_keeps_refusing_ends_as_failed_and_the_visitor_sees_no_error(
    subscription_page, flaky_esp
):
    sp = subscription_page
    flaky_esp(1000)
    response = subscribe_default(sp)
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.FAILED
    assert signup.mail_attempts == 3 and len(mail.outbox) == 0
    PendingSignup.objects.update(mail_last_attempt_at=timezone.now() - timedelta(hours=1))
    assert tasks.sweep_unsent_mail() == 0  # failed stays failed
    assert len(mail.outbox) == 0


class BrokenMailError(Exception):
    pass


def _always_broken(self, messages):
    raise BrokenMailError("not an ESP error: a bug, a bad header, a full disk…")


@override_settings(WAGTAIL_GDPR_MAIL_MAIL_MAX_ATTEMPTS=3)
def test_a_permanent_mail_error_ends_as_failed_not_in_an_endless_sweep(subscription_page):
    sp = subscription_page
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", _always_broken):
        assert subscribe_default(sp).status_code == 302
        for _ in range(6):
            PendingSignup.objects.update(
                created_at=timezone.now() - timedelta(hours=1),
                mail_last_attempt_at=timezone.now() - timedelta(hours=1),
            )
            tasks.sweep_unsent_mail()
    signup = PendingSignup.objects.get()
    assert signup.mail_attempts <= 3
    assert signup.mail_status == PendingSignup.MailStatus.FAILED


# --- Crashes: the row is the outbox --------------------------------------------------------


def test_a_mail_lost_between_commit_and_publish_is_sent_by_the_sweeper(subscription_page):
    sp = subscription_page
    with mock.patch.object(
        tasks.send_confirmation_mail, "delay", side_effect=ConnectionError("broker down")
    ):
        response = subscribe_default(sp)
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.QUEUED
    assert signup.mail_attempts == 0 and len(mail.outbox) == 0

    assert tasks.sweep_unsent_mail() == 0  # too fresh: the publish may still be on its way
    PendingSignup.objects.update(
        created_at=timezone.now() - timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES + 1)
    )
    assert tasks.sweep_unsent_mail() == 1
    assert len(mail.outbox) == 1
    assert PendingSignup.objects.get().mail_status == PendingSignup.MailStatus.SENT
    PendingSignup.objects.update(created_at=timezone.now() - timedelta(minutes=60))
    assert tasks.sweep_unsent_mail() == 0
    assert len(mail.outbox) == 1
    response = press_confirm(Client(), confirm_path(mail.outbox[0]))
    assert CONFIRMED_TEXT in response.content.decode()


def test_a_task_that_died_before_sending_is_sent_again_by_the_sweeper(subscription_page):
    """A worker dies after counting the attempt and before the ESP got the mail."""
    sp = subscription_page
    with mock.patch.object(tasks, "get_adapter", side_effect=SystemError("worker died")):
        assert subscribe_default(sp).status_code == 302
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.QUEUED and signup.mail_attempts == 1
    assert len(mail.outbox) == 0
    PendingSignup.objects.update(
        mail_last_attempt_at=timezone.now()
        - timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES + 1)
    )
    assert tasks.sweep_unsent_mail() == 1
    assert len(mail.outbox) == 1 and PendingSignup.objects.get().mail_attempts == 2
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    assert Contact.objects.count() == 1


# --- Purging -------------------------------------------------------------------------------


@override_settings(WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES=0)
def test_the_purge_deletes_expired_signups_confirmed_or_not_and_their_tokens(subscription_page):
    sp = subscription_page
    for email in ("confirmed@example.com", "ignored@example.com", "fresh@example.com"):
        subscribe_default(sp, email=email)
    confirmed, ignored, fresh = PendingSignup.objects.order_by("pk")
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    past = timezone.now() - timedelta(seconds=1)
    PendingSignup.objects.filter(pk__in=[confirmed.pk, ignored.pk]).update(expires_at=past)
    assert tasks.purge_expired_signups() == 2  # signups, not signups plus their tokens
    assert list(PendingSignup.objects.all()) == [fresh]
    assert set(SignupToken.objects.values_list("signup_id", flat=True)) == {fresh.pk}
    assert Contact.objects.count() == 1
    assert tasks.purge_expired_signups() == 0


def test_the_sweep_command_says_how_many_it_queued(subscription_page):
    with mock.patch.object(tasks.send_confirmation_mail, "delay", side_effect=OSError):
        subscribe_default(subscription_page)
    PendingSignup.objects.update(
        created_at=timezone.now() - timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES + 1)
    )
    out = io.StringIO()
    call_command("gdpr_mail_sweep", stdout=out)
    assert re.search(r"\b1\b", out.getvalue()), out.getvalue()
    assert len(out.getvalue().strip().splitlines()) == 1
    assert len(mail.outbox) == 1
    again = io.StringIO()
    call_command("gdpr_mail_sweep", stdout=again)
    assert re.search(r"\b0\b", again.getvalue()), again.getvalue()


def test_the_purge_command_says_how_many_signups_it_deleted(subscription_page):
    subscribe_default(subscription_page)
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("gdpr_mail_purge_signups", stdout=out)
    assert len(out.getvalue().strip().splitlines()) == 1
    assert re.search(r"\b1\b", out.getvalue()), out.getvalue()
    assert not PendingSignup.objects.exists()


# --- Nothing in plain text at rest -----------------------------------------------------------


def _personal_values() -> list[str]:
    values = [EMAIL, "kvetoslava.nova", FIRST, LAST, VISITOR_IP, CONFIRM_IP]
    values += [VISITOR_AGENT, CONFIRM_AGENT, "SubscriptionTester", "ConfirmingPhone"]
    # JSON may escape non-ASCII characters; look for those spellings too.
    values += [json.dumps(v)[1:-1] for v in values]
    return values


def assert_no_plaintext(dump: str, extra: list[str] = ()) -> None:
    for value in [*_personal_values(), *extra]:
        assert value.lower() not in dump.lower(), f"{value!r} is in the dump in plain text"


def _full_flow(sp) -> str:
    """Subscribe (ticking the optional purpose); return the link from the mail."""
    subscribe_default(sp, tick=[sp.extra])
    (link,) = set(confirm_links(mail.outbox))
    return link


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sqlite_dump_after_subscribe_and_confirm_holds_no_plaintext(
    subscription_page, tmp_path
):
    sp = subscription_page
    link = _full_flow(sp)
    token = link.rstrip("/").rsplit("/", 1)[1]
    pending_dump = sqlite_dump()
    assert "gm1$test1$" in pending_dump
    assert_no_plaintext(pending_dump, [token])

    press_confirm(make_visitor(CONFIRM_IP, CONFIRM_AGENT), confirm_path(mail.outbox[0]))
    assert Contact.objects.count() == 1 and ConsentRecord.objects.count() == 2
    dump = sqlite_dump()
    assert_no_plaintext(dump, [token])
    raw = sqlite_file_bytes(tmp_path).decode("utf-8", errors="replace")
    assert_no_plaintext(raw, [token])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_pg_dump_after_subscribe_and_confirm_holds_no_plaintext(subscription_page):
    need(database_is_postgres(), "PostgreSQL")
    sp = subscription_page
    link = _full_flow(sp)
    token = link.rstrip("/").rsplit("/", 1)[1]
    press_confirm(make_visitor(CONFIRM_IP, CONFIRM_AGENT), confirm_path(mail.outbox[0]))
    assert Contact.objects.count() == 1 and ConsentRecord.objects.count() == 2
    dump = pg_dump()
    assert "gm1$test1$" in dump
    assert_no_plaintext(dump, [token])

"""Re-consent: a mail N days before expiry, once, never to suppressed addresses; its link
renews (POST only, once, until the expiry) with the mail as sent for evidence."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings

from tests.helpers.dumps import sqlite_dump
from tests.helpers.links import RENEW_LINK, renew_path
from tests.helpers.rights import (
    VISITOR_AGENT,
    VISITOR_IP,
    after_commit,
    decrypt_all,
    post,
    visitor_client,
)
from wagtail_gdpr_mail import locking, tasks
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.consent.reconsent import queue_reconsent_mail
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    ContactSource,
    PurposeAssignment,
    ReconsentRequest,
    Suppression,
)
from wagtail_gdpr_mail.models.purposes import add_period
from wagtail_gdpr_mail.rights.erasure import ErasureMode, erase_contact
from wagtail_gdpr_mail.schedule import BEAT_SCHEDULE, QUEUE_RECONSENT_MAIL


def _days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def newsletter(make_purpose):
    return make_purpose("Newsletter", years=1, reconsent_enabled=True, reconsent_days_before=14)


@pytest.fixture
def held(newsletter, contact, clock):
    return assign_purpose(contact, newsletter, source=ContactSource.FORM)[0]


def run(**kwargs):
    with after_commit():
        return queue_reconsent_mail(**kwargs)


def test_the_mail_goes_n_days_before_expiry_and_only_once(held, clock):
    clock.now = held.valid_until - _days(15)
    assert run().queued == 0
    assert mail.outbox == []
    clock.now = held.valid_until - _days(14)
    assert run().queued == 1
    (message,) = mail.outbox
    assert message.to == ["jana.novakova@example.com"]
    assert "Newsletter" in message.body
    assert RENEW_LINK.search(message.body)
    assert message.alternatives and RENEW_LINK.search(message.alternatives[0][0])
    row = ReconsentRequest.objects.get()
    assert row.valid_until == held.valid_until
    assert row.mail_status == "sent" and row.token_hash
    assert "[renewal link]" in row.mail_snapshot["text"]
    assert renew_path(message).split("/")[-2] not in str(row.mail_snapshot)
    # The next day's run, and a run of the daily task: nothing more for this expiry.
    clock.advance(days=1)
    assert run().queued == 0
    with after_commit():
        assert tasks.queue_reconsent_mail() == 0
    assert len(mail.outbox) == 1


def test_suppressed_addresses_and_purposes_without_re_consent_get_nothing(
    held, make_purpose, make_contact, clock
):
    quiet = make_purpose("Offers", years=1)
    assign_purpose(make_contact(), quiet, source=ContactSource.FORM)
    Suppression.add(reason=Suppression.Reason.BOUNCED, email="jana.novakova@example.com")
    clock.now = held.valid_until - _days(3)
    result = run()
    assert (result.due, result.suppressed, result.queued) == (0, 1, 0)
    assert mail.outbox == []


def test_a_suppression_after_queueing_stops_the_mail(held, clock):
    clock.now = held.valid_until - _days(3)
    queue_reconsent_mail()  # queued; the task would run after commit
    Suppression.add(reason=Suppression.Reason.COMPLAINED, email="jana.novakova@example.com")
    row = ReconsentRequest.objects.get()
    assert tasks.send_reconsent_mail.apply(args=[row.pk]).get() == "not needed"
    assert mail.outbox == []


def test_dry_run_counts_and_sends_nothing(held, clock):
    clock.now = held.valid_until - _days(3)
    out = StringIO()
    call_command("gdpr_mail_send_reconsent", "--dry-run", stdout=out)
    assert "1 mail(s) due" in out.getvalue()
    assert not ReconsentRequest.objects.exists()
    assert mail.outbox == []
    with after_commit():
        call_command("gdpr_mail_send_reconsent", stdout=out)
    assert len(mail.outbox) == 1


def test_a_run_is_bounded_and_the_next_one_carries_on(newsletter, make_contact, clock):
    for _ in range(3):
        assign_purpose(make_contact(), newsletter, source=ContactSource.FORM)
    clock.advance(days=360)
    assert run(max_mails=2).queued == 2
    assert run(max_mails=2).queued == 1
    assert len(mail.outbox) == 3


def test_the_editors_subject_and_text_with_placeholders(held, newsletter, clock):
    newsletter.reconsent_subject = "{name}, keep {purpose}?"
    newsletter.reconsent_body = "Until {valid_until}. Renew: {renew_url}"
    newsletter.save()
    clock.now = held.valid_until - _days(3)
    run()
    (message,) = mail.outbox
    assert message.subject == "Jana Nováková, keep Newsletter?"
    assert message.body.startswith("Until ")
    assert RENEW_LINK.search(message.body)


def test_get_shows_a_button_and_renews_nothing_post_renews_by_the_retention(held, clock):
    clock.now = held.valid_until - _days(3)
    run()
    path = renew_path(mail.outbox[0])
    visitor = visitor_client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert b"data-gdpr-mail-renew" in page.content
    held.refresh_from_db()
    old_until = held.valid_until
    assert held.valid_until == old_until
    assert not ConsentRecord.objects.filter(event=ConsentRecord.Event.RENEWED).exists()

    done = post(visitor, path)
    assert done.status_code == 200
    held.refresh_from_db()
    assert held.valid_until == add_period(clock.now, 1, "years")
    assert b"data-gdpr-mail-renewed-until" in done.content
    assert str(held.valid_until.year).encode() in done.content
    record = ConsentRecord.objects.get(event=ConsentRecord.Event.RENEWED)
    assert record.source == ContactSource.RECONSENT
    assert record.valid_until == held.valid_until
    assert record.evidence["mail"]["subject"] == mail.outbox[0].subject
    assert record.evidence["renewal"]["ip"] == VISITOR_IP
    assert record.evidence["renewal"]["user_agent"] == VISITOR_AGENT
    assert ReconsentRequest.objects.get().renewed_at == clock.now


def test_used_expired_and_unknown_links_get_the_same_page(held, clock):
    clock.now = held.valid_until - _days(3)
    run()
    path = renew_path(mail.outbox[0])
    visitor = visitor_client()
    post(visitor, path)
    used = post(visitor, path)
    unknown = post(visitor, "/gdpr-mail/renew/not-a-token/")
    too_long = visitor.get("/gdpr-mail/renew/" + "x" * 500 + "/")
    assert used.status_code == unknown.status_code == too_long.status_code == 404
    assert used.content == unknown.content == too_long.content
    assert ConsentRecord.objects.filter(event=ConsentRecord.Event.RENEWED).count() == 1

    # The renewal is a new expiry, so a new mail; its link outlives that expiry.
    clock.advance(days=360)
    run()
    assert len(mail.outbox) == 2
    late = renew_path(mail.outbox[-1])
    assert visitor.get(late).status_code == 200
    clock.advance(days=10)
    assert not PurposeAssignment.objects.get(pk=held.pk).is_valid_at()
    expired = post(visitor, late)
    assert expired.status_code == 404 and expired.content == unknown.content


@override_settings(LANGUAGE_CODE="cs")
def test_the_default_text_follows_the_site_language(held, clock):
    clock.now = held.valid_until - _days(3)
    run()
    assert len(mail.outbox) == 1  # rendered without error in Czech, link included
    assert RENEW_LINK.search(mail.outbox[0].body)


def test_the_daily_beat_entry_names_the_task():
    entry = BEAT_SCHEDULE["wagtail-gdpr-mail-queue-reconsent-mail"]
    assert entry["task"] == QUEUE_RECONSENT_MAIL == tasks.queue_reconsent_mail.name


@pytest.mark.sqlite
def test_no_plaintext_in_the_database_and_erasure_takes_the_requests(held, contact, clock):
    clock.now = held.valid_until - _days(3)
    run()
    post(visitor_client(), renew_path(mail.outbox[0]))
    token = renew_path(mail.outbox[0]).split("/")[-2]
    dump = sqlite_dump()
    for value in ("jana.novakova@example.com", "Nováková", VISITOR_IP, VISITOR_AGENT, token):
        assert value not in dump
    # The request's snapshot holds the mail as sent (a name): erasure takes it.
    erase_contact(contact, ErasureMode.ANONYMISE)
    assert not ReconsentRequest.objects.exists()
    plaintexts, _undecryptable = decrypt_all(sqlite_dump())
    assert not [p for p in plaintexts if "Nováková" in p or "jana.novakova" in p]


@pytest.mark.sqlite
def test_a_locked_database_gets_the_try_again_page_not_an_error(held, clock, monkeypatch):
    clock.now = held.valid_until - _days(3)
    run()
    path = renew_path(mail.outbox[0])
    monkeypatch.setattr(locking, "LOCKED_RETRY_DELAYS", ())

    def locked():
        raise OperationalError("database is locked")

    monkeypatch.setattr(ReconsentRequest, "find_by_token", classmethod(lambda *a: locked()))
    response = post(visitor_client(), path)
    assert response.status_code == 503 and response["Retry-After"] == "2"
    assert not ConsentRecord.objects.filter(event=ConsentRecord.Event.RENEWED).exists()

"""Confirmation links pressed at the same moment on a SQLite database *file*.

Not collected by the normal run (the name has no ``test_`` prefix): SQLite's locking
only shows between connections to one file, so ``test_confirm_races_on_sqlite.py``
runs this module in a pytest of its own on a temporary database file.
"""

from __future__ import annotations

import sqlite3

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from tests.helpers.links import confirm_path
from tests.helpers.races import race
from tests.helpers.subscribing import (
    ALREADY_TEXT,
    CONFIRMED_TEXT,
    EMAIL,
    send_at_once,
    subscribe_default,
)
from wagtail_gdpr_mail.models import ConsentRecord, Contact, ListMembership, PurposeAssignment
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_fill_delay"),
]

TRY_AGAIN_TEXT = "Please try again in a moment."
PRESSES = 6


@pytest.fixture(autouse=True)
def _on_a_file():
    assert connection.vendor == "sqlite" and not connection.is_in_memory_db(), (
        "run through test_confirm_races_on_sqlite.py, on a database file"
    )


def _answers(responses) -> list[str]:
    """What each visitor saw: confirmed, already confirmed, try again (503)."""
    assert all(not isinstance(r, Exception) for r in responses), responses
    answers = []
    for response in responses:
        html = response.content.decode()
        if response.status_code == 503 and TRY_AGAIN_TEXT in html:
            answers.append("try again")
        elif response.status_code == 200 and CONFIRMED_TEXT in html:
            answers.append("confirmed")
        elif response.status_code == 200 and ALREADY_TEXT in html:
            answers.append("already")
        else:
            answers.append(f"unexpected {response.status_code}")
    return answers


def test_simultaneous_presses_of_one_link_confirm_once(subscription_page):
    sp = subscription_page
    subscribe_default(sp, tick=[sp.extra])
    path = confirm_path(mail.outbox[0])
    responses = race(PRESSES, lambda i: Client(REMOTE_ADDR=f"192.0.2.{i + 1}").post(path))
    answers = _answers(responses)
    assert answers.count("confirmed") == 1, answers
    assert set(answers) <= {"confirmed", "already", "try again"}, answers
    assert Contact.objects.count() == 1
    assert sorted(PurposeAssignment.objects.values_list("purpose_id", flat=True)) == sorted(
        [sp.main.pk, sp.extra.pk]
    )
    assert ConsentRecord.objects.count() == 2 and ListMembership.objects.count() == 1


def test_two_signups_of_one_address_confirmed_at_once_make_one_contact(subscription_page, settings):
    settings.WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES = 0
    sp = subscription_page
    subscribe_default(sp)
    subscribe_default(sp, email=EMAIL.upper(), tick=[sp.extra])
    assert PendingSignup.objects.count() == 2 and len(mail.outbox) == 2
    paths = [confirm_path(message) for message in mail.outbox]
    answers = _answers(race(2, lambda i: Client().post(paths[i])))
    assert set(answers) <= {"confirmed", "try again"}, answers
    assert "confirmed" in answers
    assert Contact.objects.count() == 1 and ListMembership.objects.count() == 1
    confirmed = PendingSignup.objects.filter(confirmed_at__isnull=False).count()
    assert confirmed == answers.count("confirmed")


@pytest.fixture
def short_busy_timeout():
    """SQLite waits this long (seconds) for another writer before "database is locked"."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    connection.close()
    options["timeout"] = 0.05
    yield
    connection.close()
    del options["timeout"]


def test_a_confirm_while_another_writer_holds_the_database_asks_to_try_again(
    subscription_page, short_busy_timeout
):
    subscribe_default(subscription_page)
    path = confirm_path(mail.outbox[0])
    other_writer = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    try:
        other_writer.execute("BEGIN IMMEDIATE")
        response = Client().post(path)
    finally:
        other_writer.execute("ROLLBACK")
        other_writer.close()
    assert _answers([response]) == ["try again"]
    assert response["Retry-After"]
    assert Contact.objects.count() == 0
    assert PendingSignup.objects.get().confirmed_at is None
    # The button on that page sends the same confirmation again, which now goes through.
    assert _answers([Client().post(path)]) == ["confirmed"]
    assert Contact.objects.count() == 1


def test_a_double_click_on_the_form_sends_one_mail_and_no_500(subscription_page):
    """Two submits of one form at the same moment, on the demo's database."""
    sp = subscription_page
    responses = send_at_once(sp.url, sp.form_id, 2, email=EMAIL)
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [302, 302]
    assert PendingSignup.objects.count() == 1 and len(mail.outbox) == 1

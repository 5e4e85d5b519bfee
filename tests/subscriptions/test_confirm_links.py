"""Confirmation links: pressed at once from several places, expired, unknown or used."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.helpers.links import confirm_path
from tests.helpers.races import race
from tests.helpers.services import database_is_postgres, need
from tests.helpers.subscribing import (
    ALREADY_TEXT,
    CONFIRMED_TEXT,
    EMAIL,
    press_confirm,
    subscribe_default,
)
from wagtail_gdpr_mail import tasks
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ListMembership,
    PurposeAssignment,
)
from wagtail_gdpr_mail.models.signups import PendingSignup, SignupToken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_presses_of_one_link_confirm_once(subscription_page):
    need(database_is_postgres(), "PostgreSQL")
    sp = subscription_page
    subscribe_default(sp, tick=[sp.extra])
    path = confirm_path(mail.outbox[0])
    responses = race(4, lambda i: Client(REMOTE_ADDR=f"192.0.2.{i + 1}").post(path))
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
    responses = race(2, lambda i: Client().post(paths[i]))
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

"""The subscription pages are valid HTML (the Nu HTML Checker): the form fresh, with
errors, after success and after a too-fast submission; the confirm pages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from tests.helpers.links import confirm_path
from tests.helpers.nu_html import assert_valid_html
from tests.helpers.subscribing import (
    EMAIL,
    make_visitor,
    open_form,
    post_form,
    press_confirm,
    subscribe_default,
)
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


def test_the_subscription_pages_are_valid_html(subscription_page, settings, tmp_path):
    sp = subscription_page
    visitor = make_visitor()
    pages = {"form": visitor.get(sp.url).content.decode()}
    form = open_form(visitor, sp.url, sp.form_id)
    pages["form-errors"] = post_form(visitor, form, email="not-an-address").content.decode()
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 30
    pages["form-too-fast"] = post_form(visitor, form, email=EMAIL).content.decode()
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0
    done = subscribe_default(sp, visitor)
    pages["form-success"] = visitor.get(done["Location"]).content.decode()

    path = confirm_path(mail.outbox[0])
    pages["confirm"] = visitor.get(path).content.decode()
    pages["confirm-done"] = press_confirm(make_visitor(), path).content.decode()
    subscribe_default(sp, email="late@example.com")
    PendingSignup.objects.filter(confirmed_at__isnull=True).update(expires_at=timezone.now())
    pages["confirm-expired"] = visitor.get(confirm_path(mail.outbox[1])).content.decode()
    pages["confirm-invalid"] = visitor.get("/gdpr-mail/confirm/not-a-token/").content.decode()

    assert_valid_html(pages, tmp_path)

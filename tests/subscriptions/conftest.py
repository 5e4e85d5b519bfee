"""Fixtures of the subscription tests: live pages with forms, a visitor, a flaky ESP.

The helpers they build on live in ``tests/helpers/`` (``subscribing``, ``pages``,
``mail_backends``).
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import Site

from tests.helpers.mail_backends import FlakyBackend
from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_value, make_visitor
from wagtail_gdpr_mail.legal.controller import get_controller

CONTROLLER = "Demo Shop s.r.o."


@pytest.fixture
def no_fill_delay(settings):
    """Tests that are not about timing send the form back at once."""
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0


@pytest.fixture
def flaky_esp():
    """Call with N: the next N sends fail with an ESP error."""

    def fail_first(count: int) -> None:
        FlakyBackend.fail_first, FlakyBackend.calls = count, 0

    fail_first(0)
    yield fail_first
    fail_first(0)


@pytest.fixture
def subscription_page(db, make_purpose, contact_list):
    """A live page with one form: main purpose, one optional purpose, a list, a privacy URL."""
    main = make_purpose("Newsletter", visitor_text="We will send you our newsletter monthly.")
    extra = make_purpose(
        "Competition results", years=1, visitor_text="We will tell you who won our competitions."
    )
    form_id = "a" * 8 + uuid.uuid4().hex[:24]
    page = publish_test_page(
        [
            ("heading", "Our newsletter"),
            form_value(main=main, extras=[extra], target_list=contact_list, form_id=form_id),
        ]
    )
    return SimpleNamespace(
        page=page,
        url=page.url,
        form_id=form_id,
        main=main,
        extra=extra,
        contact_list=contact_list,
    )


@pytest.fixture
def two_form_page(db, make_purpose, contact_list):
    """A live page with two independent forms, A and B, each with its own purposes."""
    from wagtail.rich_text import RichText

    from wagtail_gdpr_mail.models import ContactList

    purposes = {
        "a_main": make_purpose("Newsletter A"),
        "a_extra": make_purpose("Offers A"),
        "b_main": make_purpose("Events B"),
        "b_extra": make_purpose("Partners B"),
    }
    list_b = ContactList.objects.create(name="Event visitors")
    form_a, form_b = "a" * 32, "b" * 32
    page = publish_test_page(
        [
            form_value(
                main=purposes["a_main"],
                extras=[purposes["a_extra"]],
                target_list=contact_list,
                form_id=form_a,
                heading="Form A",
                success_message="Thanks from A.",
            ),
            ("paragraph", RichText("<p>Between the forms.</p>")),
            form_value(
                main=purposes["b_main"],
                extras=[purposes["b_extra"]],
                target_list=list_b,
                form_id=form_b,
                heading="Form B",
                success_message="Thanks from B.",
            ),
        ]
    )
    return SimpleNamespace(
        page=page,
        url=page.url,
        form_a=form_a,
        form_b=form_b,
        list_a=contact_list,
        list_b=list_b,
        **purposes,
    )


@pytest.fixture
def visitor() -> Client:
    """A browser: CSRF enforced, a fixed IP address and a distinctive user agent."""
    return make_visitor()


@pytest.fixture
def shop_site(live_server, make_purpose, contact_list, contact, superuser):
    """A shop like the demo: a home page with a form, a controller, a contact, an admin;
    its site answering on the live server's address."""
    controller = get_controller()
    controller.controller_name = CONTROLLER
    controller.save()
    newsletter = make_purpose(
        "Newsletter",
        visitor_text="We will send you our newsletter with news and offers about once a month. "
        "You can withdraw your consent at any time through the link in every e-mail.",
    )
    competition = make_purpose(
        "Competition results",
        years=1,
        visitor_text="We will tell you the results of our competitions.",
    )
    publish_test_page(
        [
            ("heading", "Our newsletter"),
            form_value(
                main=newsletter,
                extras=[competition],
                target_list=contact_list,
                ask_last_name=False,
                info_text=f"<p>{CONTROLLER} (the controller) processes your e-mail address "
                "and first name for the purposes you choose, for the time stated. You can "
                "withdraw your consent at any time through the link in every e-mail.</p>",
                success_message="Thank you. Please check your mailbox and confirm your "
                "subscription.",
            ),
        ],
        slug="shop",
        title="Welcome",
        site_name="Demo",
    )
    address = urlsplit(live_server.url)
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = address.hostname, address.port
    site.save()  # save(), not update(): clears Wagtail's cache of site root paths
    mail.outbox.clear()
    return site

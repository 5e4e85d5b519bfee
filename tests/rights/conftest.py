"""Fixtures of the data-subject rights tests: a live page with a form, the controller,
and Zdeňka, who subscribed through it (helpers: ``tests/helpers/rights.py``); contacts
whose last purpose ended some days ago (storage limitation)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.helpers.controller import configure_controller
from tests.helpers.pages import publish_test_page
from tests.helpers.rights import (
    ADMIN_AGENT,
    ADMIN_IP,
    CONTROLLER_NAME,
    CUSTOM_FIELDS,
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    SELF_SERVICE_EMAIL,
    subscribe_and_confirm,
)
from tests.helpers.subscribing import form_value
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.legal.controller import get_controller
from wagtail_gdpr_mail.models import Contact, ContactSource, ListMembership, PurposeAssignment


@pytest.fixture(autouse=True)
def fast_forms(settings):
    # A form sent back faster than MIN_FILL_SECONDS counts as a bot; tests are fast.
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0


@pytest.fixture
def subscription_page(db, make_purpose, contact_list):
    """A live page, served by the default site, with one form: a main and an extra purpose."""
    main = make_purpose("Newsletter", visitor_text="We will send you our newsletter monthly.")
    extra = make_purpose("Webinar invitations", years=1, visitor_text="Invitations to webinars.")
    form_id = "f" * 8 + "0123456789abcdef0123456789ab"
    block = form_value(
        main=main,
        extras=[extra],
        target_list=contact_list,
        form_id=form_id,
        info_text="<p>Rights Test Shop processes your address.</p>",
        privacy_url="https://example.com/privacy/",
    )
    page = publish_test_page([block], slug="rights-newsletter", site_name="Shop")
    return SimpleNamespace(page=page, form_id=form_id, main=main, extra=extra, list=contact_list)


@pytest.fixture
def controller(db):
    return configure_controller(
        controller_name=CONTROLLER_NAME,
        controller_address="Masarykovo náměstí 1, 602 00 Brno",
        controller_company_id="87654321",
        controller_email="privacy@rights-shop.example",
        dpo_name="Dana Pověřená",
        dpo_email="dpo@rights-shop.example",
    )


@pytest.fixture
def person(subscription_page, make_purpose, make_contact, controller):
    """Zdeňka: subscribed through the form (two purposes, the list), then an editor gave
    her a third purpose and set custom fields; she withdrew the webinar invitations.
    Someone else is on the list too."""
    site = subscription_page
    contact = subscribe_and_confirm(
        site, EMAIL, first_name=FIRST_NAME, last_name=LAST_NAME, extra=True
    )
    contact.custom_fields = dict(CUSTOM_FIELDS)
    contact.save()
    offers = make_purpose("Partner offers")
    assign_purpose(
        contact,
        offers,
        source=ContactSource.ADMIN,
        evidence={"request": {"ip": ADMIN_IP, "user_agent": ADMIN_AGENT}},
    )
    webinar = contact.assignments.get(purpose=site.extra)
    revoke_assignment(webinar, reason=PurposeAssignment.RevocationReason.WITHDRAWN)
    other = make_contact("someone.else@example.com", first_name="Karel", last_name="Jiný")
    assign_purpose(other, site.main, source=ContactSource.ADMIN)
    ListMembership.objects.create(contact=other, contact_list=site.list)
    assert contact.consent_records.count() == 4  # given ×2, given, revoked
    return SimpleNamespace(contact=contact, other=other, offers=offers, **vars(site))


@pytest.fixture
def lapsed(db, make_contact, purpose):
    """A contact whose last purpose ended ``days`` before ``at``: ``how`` it ended is
    "expired", a revocation reason, or "never" (it never held one; created then)."""

    def make(days: float, how: str = "expired", *, at=None, email=None) -> Contact:
        at = at or timezone.now()
        ended = at - timedelta(days=days)
        if how == "never":
            return make_contact(email, created_at=ended)
        contact = make_contact(email, created_at=ended - timedelta(days=400))
        revoked = how != "expired"
        PurposeAssignment.objects.create(
            contact=contact,
            purpose=purpose,
            source="form",
            valid_from=ended - timedelta(days=365),
            valid_until=ended + timedelta(days=300) if revoked else ended,
            revoked_at=ended if revoked else None,
            revocation_reason=how if revoked else "",
        )
        return contact

    return make


@pytest.fixture
def visitor_contact(db, make_contact, make_purpose):
    controller = get_controller()
    controller.controller_name = "Samoobsluha s.r.o."
    controller.save()
    contact = make_contact(
        SELF_SERVICE_EMAIL,
        first_name="Vendula",
        last_name="Samoobslužná",
        custom_fields={"city": "Zlín"},
    )
    newsletter = make_purpose("Newsletter", visitor_text="Our monthly newsletter.")
    events = make_purpose("Event invitations", years=1, visitor_text="Invitations to events.")
    for purpose in (newsletter, events):
        assign_purpose(
            contact,
            purpose,
            source=ContactSource.FORM,
            evidence={"submission": {"ip": "198.51.100.61", "user_agent": "SeedBrowser/1.0"}},
        )
    return contact

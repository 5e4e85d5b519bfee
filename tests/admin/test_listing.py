"""The contact listing as an editor reads it: what search finds, filters that say what they
keep and refuse nonsense, when purposes expire, and dates nobody can misread."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from tests.helpers.controller import DEMO_SHOP, configure_controller, make_agreement
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.dates import format_date
from wagtail_gdpr_mail.models import (
    ContactList,
    DataProcessingAgreement,
    DpaAcceptance,
    LegalBasis,
    ProcessingPurpose,
)

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"
SEARCH = LISTING + "search/"
#: A day whose numeric forms are ambiguous (12/02 vs 02/12) and whose ISO form is plain.
DAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
AMBIGUOUS = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\w{3}\. \d{1,2}, \d{4}"
)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def listed(response) -> set[str]:
    return set(re.findall(r"[\w.]+@example\.com", response.content.decode())) - {"name@example.com"}


# --- Search -----------------------------------------------------------------------------


def test_the_search_box_says_only_a_complete_address_is_found(admin):
    body = admin.get(LISTING).content.decode()
    assert 'placeholder="The complete address, e.g. name@example.com"' in body
    assert "Only a complete, exact address is found" in body


def test_a_search_for_part_of_an_address_says_why_nothing_came_and_offers_to_clear_it(
    admin, make_contact
):
    make_contact("jana@example.com")
    response = admin.post(SEARCH, {"email": "jana@example"}, follow=True)
    body = response.content.decode()
    assert "data-gdpr-mail-search-empty" in body
    assert "No contact has exactly this address." in body
    assert "Only a complete, exact address is found" in body
    assert f'href="{LISTING}"' in body and "Clear the search and show all contacts" in body
    # The listing without a search shows nothing of this message.
    assert "data-gdpr-mail-search-empty" not in admin.get(LISTING).content.decode()


# --- Filters ----------------------------------------------------------------------------


def test_purpose_status_reads_as_what_it_keeps(admin, make_purpose):
    newsletter = make_purpose("Newsletter")
    body = admin.get(LISTING).content.decode()
    assert "Purpose status" in body
    assert f'<option value="valid-{newsletter.pk}">Has a valid purpose: Newsletter</option>' in body
    assert '<option value="any">Has a valid purpose: any</option>' in body
    assert '<option value="none">Has no valid purpose at all</option>' in body
    assert "A purpose expires within (days)" in body


def test_created_between_uses_wagtails_date_range_picker(admin, make_contact):
    old = make_contact("old@example.com")
    make_contact("new@example.com")
    type(old).objects.filter(pk=old.pk).update(created_at=DAY - timedelta(days=400))
    response = admin.get(LISTING)
    body = response.content.decode()
    assert 'name="created_at_from"' in body and 'name="created_at_to"' in body
    assert "initDateChooser" in body  # Wagtail's picker, not a bare text box
    start = (DAY - timedelta(days=401)).date().isoformat()
    end = (DAY - timedelta(days=399)).date().isoformat()
    filtered = admin.get(LISTING, {"created_at_from": start, "created_at_to": end})
    assert listed(filtered) == {"old@example.com"}
    # The active filter reads like every other date of the admin.
    with translation.override("en"):
        shown = (
            f"{format_date(DAY - timedelta(days=401))} - {format_date(DAY - timedelta(days=399))}"
        )
    assert shown in filtered.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("expires_within", "-5", "greater than or equal to 0"),
        ("expires_within", "abc", "Enter a whole number."),
        ("expires_within", "2.5", "Enter a whole number."),
        ("purpose_status", "valid-abc", "Select a valid choice."),
        ("created_at_from", "yesterday", "Enter a valid date."),
    ],
)
def test_a_filter_value_that_makes_no_sense_is_refused_not_ignored(
    admin, contact, field, value, message
):
    body = admin.get(LISTING, {field: value}).content.decode()
    assert message in body
    assert "jana.novakova@example.com" not in body
    assert "a filter has a value that cannot be used" in body


# --- Expiry -----------------------------------------------------------------------------


def test_the_expires_column_names_the_purpose_that_lapses_first_and_when(
    admin, make_contact, make_purpose
):
    newsletter = make_purpose("Newsletter", years=3)
    results = make_purpose("Competition results", years=1)
    forever = make_purpose("Loyalty club", years=None)
    both = make_contact("both@example.com")
    month_ago = timezone.now() - timedelta(days=30)
    assign_purpose(both, newsletter, source="admin", valid_from=month_ago)
    assign_purpose(both, results, source="admin", valid_from=month_ago)
    assign_purpose(make_contact("forever@example.com"), forever, source="admin")
    body = admin.get(LISTING).content.decode()
    assert "Expires first" in body
    with translation.override("en"):
        first_day = format_date(results.assignments.get().valid_until)
    assert f"Competition results: {first_day}" in body
    assert "Newsletter:" not in body
    assert "No end date" in body


def test_the_listing_reads_expiry_without_a_query_per_contact(admin, make_contact, purpose):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(LISTING).status_code == 200
        return len(captured)

    assign_purpose(make_contact(), purpose, source="admin")
    one = queries()
    for _ in range(5):
        assign_purpose(make_contact(), purpose, source="admin")
    assert queries() == one


# --- Dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "shown"), [("en", "2 Dec 2026"), ("cs", "2. 12. 2026")])
def test_admin_pages_show_dates_one_unambiguous_way(admin, superuser, contact, language, shown):
    profile = UserProfile.get_for_user(superuser)
    profile.preferred_language, profile.current_time_zone = language, "Europe/Prague"
    profile.save()
    type(contact).objects.filter(pk=contact.pk).update(created_at=DAY)
    contact_list = ContactList.objects.create(name="Customers")
    ContactList.objects.filter(pk=contact_list.pk).update(created_at=DAY)
    configure_controller(**DEMO_SHOP)
    agreement = make_agreement(effective_date=DAY.date())
    DpaAcceptance.objects.create(
        agreement=agreement,
        revision=agreement.latest_revision,
        content_hash=agreement.content_hash,
        accepted_by=superuser,
        accepted_by_name="admin",
        accepted_at=DAY,
    )
    purpose = ProcessingPurpose.objects.create(
        name="Newsletter",
        legal_basis=LegalBasis.objects.get(code="consent"),
        visitor_text="News.",
    )
    dpa = DataProcessingAgreement.snippet_viewset
    pages = [
        LISTING,
        reverse(ContactList.snippet_viewset.get_url_name("list")),
        reverse(ProcessingPurpose.snippet_viewset.get_url_name("list")),
        reverse(ProcessingPurpose.snippet_viewset.get_url_name("edit"), args=[purpose.pk]),
        reverse(dpa.get_url_name("list")),
        reverse(dpa.get_url_name("inspect"), args=[agreement.pk]),
        reverse(dpa.get_url_name("print"), args=[agreement.pk]),
        reverse("wagtail_gdpr_mail_ropa"),
    ]
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        text = re.sub(
            r"<(script|style)\b.*?</\1>|<[^>]+>", " ", response.content.decode(), flags=re.S
        )
        assert not AMBIGUOUS.findall(text), (url, AMBIGUOUS.findall(text))
        tooltips = " ".join(
            re.findall(r'tooltip-content-value="([^"]*)"', response.content.decode())
        )
        assert not AMBIGUOUS.findall(tooltips), (url, tooltips)
    for url in (LISTING, pages[1], pages[5]):
        assert shown in admin.get(url).content.decode(), url


# --- Legal bases in choosers and listings -------------------------------------------------


def test_the_purpose_chooser_and_listing_show_each_legal_basis(admin, make_purpose):
    make_purpose("Newsletter")
    make_purpose("Invoices", legal_basis=LegalBasis.objects.get(code="legal_obligation"))
    viewset = ProcessingPurpose.snippet_viewset
    chooser = admin.get(reverse(viewset.chooser_viewset.get_url_name("choose"))).json()["html"]
    listing = admin.get(reverse(viewset.get_url_name("list"))).content.decode()
    for html in (chooser, listing):
        assert "Legal basis" in html
        assert re.search(r"Invoices.*?Legal obligation", html, re.S)
        assert re.search(r"Newsletter.*?Consent", html, re.S)


def test_date_fields_of_admin_forms_have_wagtails_picker(admin, contact_list):
    configure_controller(**DEMO_SHOP)
    agreement = make_agreement()
    dpa_edit = reverse(
        DataProcessingAgreement.snippet_viewset.get_url_name("edit"), args=[agreement.pk]
    )
    assert 'initDateChooser("id_effective_date"' in admin.get(dpa_edit).content.decode()
    assign = reverse(ContactList.snippet_viewset.get_url_name("assign"), args=[contact_list.pk])
    body = admin.get(assign).content.decode()
    assert 'initDateTimeChooser("id_date"' in body
    assert "date-time-chooser.js" in body  # the picker's script, without which it is a text box

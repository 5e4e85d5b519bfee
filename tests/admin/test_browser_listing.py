"""In a real browser: the contact listing's search, filters and date picker, and the
subscription form block refusing a purpose that does not rest on consent.

Drives Debian's Chromium through Playwright (never a downloaded browser), at a desktop
width and at a 375 px phone.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.helpers.browser import browser_page, sign_in
from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_value
from wagtail_gdpr_mail.models import ContactList, LegalBasis

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"
PHONE = {"width": 375, "height": 812}


def open_filter(page, label: str):
    """Open the listing's filter menu, then the filter called ``label``; its submenu."""
    page.click("button[aria-label='Show filters']")
    page.click(f".w-drilldown__toggle:has-text('{label}')")
    submenu = page.locator(".w-drilldown__submenu:visible")
    submenu.wait_for()
    return submenu


def test_the_search_says_it_needs_the_complete_address(page, live_server, superuser, make_contact):
    make_contact("eva.svobodova@example.com")
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}{LISTING}")
    box = page.locator("[data-gdpr-mail-email-search] input[name=email]")
    assert box.get_attribute("placeholder") == "The complete address, e.g. name@example.com"

    box.fill("eva.svobodova@example")
    page.keyboard.press("Enter")
    empty = page.locator("[data-gdpr-mail-search-empty]")
    empty.wait_for()
    assert "Only a complete, exact address is found" in empty.inner_text()
    page.click("text=Clear the search and show all contacts")
    page.wait_for_selector("text=eva.svobodova@example.com")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE])
def test_purpose_status_select_fits_and_reads_whole(
    chromium_path, live_server, superuser, make_purpose, viewport
):
    make_purpose("Newsletter about our shop's seasonal offers and competitions")
    with browser_page(chromium_path, locale="en-GB", viewport=viewport) as page:
        sign_in(page, live_server.url)
        page.goto(f"{live_server.url}{LISTING}")
        submenu = open_filter(page, "Purpose status")
        select = submenu.locator("select[name=purpose_status]")
        box = select.bounding_box()
        menu = page.locator(".tippy-box[data-theme=drilldown]").bounding_box()
        # Wider than Wagtail's 300 px menu on a desktop, never past the menu's or the screen's edge.
        assert box["width"] >= (400 if viewport["width"] > 600 else 280)
        assert box["x"] >= menu["x"] - 1
        assert box["x"] + box["width"] <= menu["x"] + menu["width"] + 1
        assert box["x"] + box["width"] <= viewport["width"]
        option = select.locator("option", has_text="Has no valid purpose at all")
        select.select_option(value=option.get_attribute("value"))


def test_a_nonsense_filter_value_shows_the_message_beside_the_field(
    page, live_server, superuser, contact
):
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}{LISTING}?expires_within=-5")
    page.wait_for_selector("[data-gdpr-mail-filters-invalid]")
    assert page.locator("text=jana.novakova@example.com").count() == 0
    submenu = open_filter(page, "A purpose expires within (days)")
    assert "greater than or equal to 0" in submenu.inner_text()


def test_the_date_picker_opens_on_date_fields(page, live_server, superuser, contact_list):
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}{LISTING}")
    submenu = open_filter(page, "Created between")
    submenu.locator("input[name=created_at_from]").click()
    page.locator(".xdsoft_datetimepicker:visible .xdsoft_date").first.wait_for()

    assign = reverse(ContactList.snippet_viewset.get_url_name("assign"), args=[contact_list.pk])
    page.goto(f"{live_server.url}{assign}")
    page.click("input[name=date]")
    page.locator(".xdsoft_datetimepicker:visible .xdsoft_date").first.wait_for()
    page.locator(
        ".xdsoft_datetimepicker:visible .xdsoft_date:not(.xdsoft_other_month)"
    ).first.click()
    assert page.input_value("input[name=date]")


def test_the_editor_refuses_a_form_purpose_resting_on_a_legal_obligation(
    page, live_server, superuser, make_purpose, contact_list
):
    invoices = make_purpose("Invoices")
    newsletter = make_purpose("Newsletter")
    test_page = publish_test_page(
        [form_value(main=invoices, extras=[newsletter], target_list=contact_list)]
    )
    # The basis changed after the page went live: the page still shows, saving is refused.
    invoices.legal_basis = LegalBasis.objects.get(code="legal_obligation")
    invoices.save()
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/pages/{test_page.pk}/edit/")
    page.click("button.action-save")
    page.wait_for_selector("text=The page could not be saved due to validation errors")
    error = page.locator("text=“Invoices” rests on the legal basis “Legal obligation”.")
    error.first.wait_for()
    assert "must rest on consent (Art. 6(1)(a) GDPR)" in error.first.inner_text()

"""In a real browser: an editor puts a contact into a list, sees them there, takes them out."""

from __future__ import annotations

import os

import pytest

from tests.helpers.browser import sign_in
from tests.helpers.users import make_user
from wagtail_gdpr_mail.dates import format_date
from wagtail_gdpr_mail.models import Contact, ListMembership

pytestmark = pytest.mark.browser

PERMISSIONS = ["view_contact", "change_contact", "view_contactlist", "manage_members"]


def screenshot(page, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], name))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_adds_a_contact_to_a_list_removes_them_and_reads_the_history(
    page, live_server, make_contact, contact_list
):
    make_user("marketer", PERMISSIONS)
    contact = make_contact("eva.svobodova@example.com", first_name="Eva", last_name="Svobodová")
    sign_in(page, live_server.url, "marketer")

    page.goto(f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contactlist/")
    page.click(f"tr:has-text('{contact_list.name}') a:text-is('0')")
    page.wait_for_selector("text=There are no list memberships to display.")
    page.click("a:has-text('Add contacts')")
    page.fill("textarea[name=emails]", "EVA.SVOBODOVA@example.com\nnobody@example.com")
    page.click("button:has-text('Add to the list')")
    page.wait_for_selector("[data-not-found] >> text=nobody@example.com")
    screenshot(page, "add-contacts.png")
    assert "1 contact added to the list." in page.inner_text("body")

    page.click("a:has-text('Cancel')")
    row = page.locator("tbody tr", has_text="eva.svobodova@example.com")
    assert format_date(ListMembership.objects.get().added_at) in row.inner_text()
    assert "Eva Svobodová" in row.inner_text() and "marketer" in row.inner_text()
    screenshot(page, "list-members.png")

    row.locator("[data-remove-member]").click()
    page.click("[data-remove-member-confirm]")
    page.wait_for_selector("text=Removed from the list")
    assert page.locator("tbody tr", has_text="eva.svobodova@example.com").count() == 0

    page.goto(f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contact/inspect/{contact.pk}/")
    history = page.inner_text(f"[data-membership='{ListMembership.objects.get().pk}']")
    assert "joined" in history and "(added by marketer)" in history
    assert "left" in history and "(removed by marketer)" in history


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_adds_selected_contacts_to_a_list_from_the_listing(
    page, live_server, make_contact, contact_list
):
    make_user("marketer", PERMISSIONS)
    chosen = make_contact("chosen@example.com")
    make_contact("left.alone@example.com")
    sign_in(page, live_server.url, "marketer")

    page.goto(f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contact/")
    page.locator("tr", has_text="chosen@example.com").locator("input[type=checkbox]").check()
    page.click("[data-bulk-action-button]:has-text('Add to list')")
    page.wait_for_selector("text=1 contact selected:")
    screenshot(page, "bulk-add-to-list.png")
    page.select_option("select[name=contact_list]", label=contact_list.name)
    page.click("[data-bulk-list-confirm]")
    page.wait_for_selector("text=1 contact added to the list.")
    assert list(Contact.objects.in_list(contact_list)) == [chosen]


def follow_breadcrumb(page, label: str) -> None:
    # Wagtail folds the trail behind a toggle and remembers whether it was opened.
    toggle = page.locator("[data-w-breadcrumbs-target=toggle]")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    page.locator("nav[aria-label=Breadcrumb] a", has_text=label).click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_assign_and_erase_screens_have_a_header_with_the_way_back(
    page, live_server, superuser, contact, contact_list
):
    sign_in(page, live_server.url, "admin")
    lists = f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contactlist/"
    page.goto(lists)
    page.click("a:has-text('Assign a purpose')")
    header = page.locator("header")
    assert "Assign a purpose to a list" in header.inner_text()
    assert contact_list.name in header.inner_text()
    screenshot(page, "assign-list-header.png")
    follow_breadcrumb(page, "Lists")
    page.wait_for_url(lists)

    contact_page = (
        f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contact/inspect/{contact.pk}/"
    )
    page.goto(contact_page)
    page.click("[data-gdpr-mail-erase]")
    assert "Erase contact" in page.locator("header").inner_text()
    screenshot(page, "erase-header.png")
    follow_breadcrumb(page, contact.email)
    page.wait_for_url(contact_page)

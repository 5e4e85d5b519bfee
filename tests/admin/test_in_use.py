"""Purposes and lists that are still needed cannot be deleted; they are deactivated or
archived instead, and the contact chooser is for those who may see contacts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_value
from tests.helpers.users import make_user
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    ContactList,
    ListMembership,
    ProcessingPurpose,
    PurposeAssignment,
)


def url(model, name: str, *args) -> str:
    return reverse(model.snippet_viewset.get_url_name(name), args=args)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def test_deleting_a_purpose_that_contacts_held_is_refused_and_it_can_be_deactivated(
    admin, contact, purpose
):
    assignment, _created = assign_purpose(contact, purpose, source="admin")
    revoke_assignment(assignment, reason=PurposeAssignment.RevocationReason.ADMIN)

    page = admin.get(url(ProcessingPurpose, "delete", purpose.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot be deleted" in html
    assert "Assigned to 1 contact" in html
    assert "Yes, delete" not in html
    assert "Deactivate" in html

    refused = admin.post(url(ProcessingPurpose, "delete", purpose.pk))
    assert refused.status_code == 302
    assert ProcessingPurpose.objects.filter(pk=purpose.pk).exists()
    assert "cannot be deleted" in admin.get(refused["Location"]).content.decode()

    deactivated = admin.post(url(ProcessingPurpose, "deactivate", purpose.pk))
    assert deactivated.status_code == 302
    purpose.refresh_from_db()
    assert not purpose.is_active
    assert ConsentRecord.objects.filter(purpose=purpose).count() == 2
    assert PurposeAssignment.objects.filter(purpose=purpose).count() == 1


def test_bulk_deleting_a_purpose_in_use_is_refused_too(admin, contact, make_purpose):
    used, unused = make_purpose("Used"), make_purpose("Unused")
    assign_purpose(contact, used, source="admin")
    bulk = reverse("wagtail_bulk_action", args=["wagtail_gdpr_mail", "processingpurpose", "delete"])
    response = admin.post(f"{bulk}?id={used.pk}&id={unused.pk}", {"next": "/admin/"})
    assert response.status_code == 302
    assert ProcessingPurpose.objects.filter(pk=used.pk).exists()
    assert ProcessingPurpose.objects.filter(pk=unused.pk).exists()
    assert "still in use" in admin.get(response["Location"]).content.decode()


def test_an_unused_purpose_can_still_be_deleted(admin, make_purpose):
    unused = make_purpose("Unused")
    assert "Yes, delete" in admin.get(url(ProcessingPurpose, "delete", unused.pk)).content.decode()
    assert admin.post(url(ProcessingPurpose, "delete", unused.pk)).status_code == 302
    assert not ProcessingPurpose.objects.filter(pk=unused.pk).exists()


def test_a_list_with_members_is_archived_not_deleted_and_join_dates_stay(
    admin, contact_list, member
):
    joined = member(days_ago=30).added_at

    page = admin.get(url(ContactList, "delete", contact_list.pk)).content.decode()
    assert "cannot be deleted" in page and "1 member" in page and "Archive" in page
    admin.post(url(ContactList, "delete", contact_list.pk))
    assert ContactList.objects.filter(pk=contact_list.pk).exists()

    admin.post(url(ContactList, "archive", contact_list.pk))
    contact_list.refresh_from_db()
    assert contact_list.archived
    assert ListMembership.objects.get(contact_list=contact_list).added_at == joined


def test_a_list_a_live_form_files_into_cannot_be_deleted(admin, purpose):
    target = ContactList.objects.create(name="Webinar")
    publish_test_page([form_value(main=purpose, target_list=target)], title="Webinars")

    page = admin.get(url(ContactList, "delete", target.pk)).content.decode()
    assert "cannot be deleted" in page
    assert "Webinars" in page
    admin.post(url(ContactList, "delete", target.pk))
    assert ContactList.objects.filter(pk=target.pk).exists()


def test_archived_lists_are_not_offered_in_the_chooser(admin, contact_list):
    ContactList.objects.create(name="Old campaign list", archived=True)
    chooser = reverse("wagtailsnippetchoosers_wagtail_gdpr_mail_contactlist:choose")
    html = admin.get(chooser).content.decode()
    assert "Newsletter subscribers" in html
    assert "Old campaign list" not in html


def test_the_contact_chooser_needs_the_permission_to_view_contacts(client, contact):
    chooser = reverse("wagtailsnippetchoosers_wagtail_gdpr_mail_contact:choose")
    results = reverse("wagtailsnippetchoosers_wagtail_gdpr_mail_contact:choose_results")
    client.force_login(make_user("nobody", []))
    assert client.get(chooser).status_code == 403
    assert client.get(results).status_code == 403

    client.force_login(make_user("viewer", ["view_contact"]))
    assert client.get(chooser).status_code == 200

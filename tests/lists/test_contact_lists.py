"""A contact's lists: on the contact form, as bulk actions, in the export and the headers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.helpers.users import make_user
from wagtail_gdpr_mail.lists import add_to_list, remove_from_list
from wagtail_gdpr_mail.models import Contact, ContactList, ListMembership
from wagtail_gdpr_mail.rights.erasure import ErasureMode, erase_contacts

CONTACTS = "/admin/snippets/wagtail_gdpr_mail/contact/"
BULK = "/admin/bulk/wagtail_gdpr_mail/contact/{action}/"


def contact_url(name: str, *args) -> str:
    return reverse(f"wagtailsnippets_wagtail_gdpr_mail_contact:{name}", args=args)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def form_data(contact: Contact, **extra) -> dict:
    return {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "custom_fields": json.dumps(contact.custom_fields),
        "source": contact.source,
        **extra,
    }


def test_contact_form_changes_lists_through_the_service(admin, contact, contact_list):
    other = ContactList.objects.create(name="Webinars")
    archived = ContactList.objects.create(name="Old", archived=True)
    add_to_list([contact], archived)
    edit = contact_url("edit", contact.pk)
    page = admin.get(edit).content.decode()
    assert "Webinars" in page and ">Old<" not in page
    response = admin.post(edit, form_data(contact, lists=[contact_list.pk, other.pk]))
    assert response.status_code == 302
    assert set(
        Contact.objects.get().memberships.current().values_list("contact_list__name", flat=True)
    ) == {
        "Newsletter subscribers",
        "Webinars",
        "Old",
    }
    admin.post(edit, form_data(contact, lists=[other.pk]))
    left = ListMembership.objects.get(contact_list=contact_list)
    assert left.left_at is not None and left.removed_by.username == "admin"
    assert ListMembership.objects.get(contact_list=archived).left_at is None
    inspect = admin.get(contact_url("inspect", contact.pk)).content.decode()
    assert "Newsletter subscribers: joined" in inspect and "(removed by admin)" in inspect
    bad = admin.post(edit, form_data(contact, lists=["abc"]))
    assert bad.status_code == 200 and b"is not a valid value" in bad.content


def test_new_contact_joins_the_chosen_lists(admin, contact_list):
    data = {"email": "new@example.com", "source": "admin", "custom_fields": "{}"}
    assert admin.post(contact_url("add"), {**data, "lists": [contact_list.pk]}).status_code == 302
    assert Contact.objects.in_list(contact_list).get().email == "new@example.com"


def test_without_the_permission_the_lists_field_cannot_change_anything(
    client, contact, contact_list
):
    add_to_list([contact], contact_list)
    user = make_user("editor_no_lists", ["view_contact", "change_contact"])
    client.force_login(user)
    response = client.post(contact_url("edit", contact.pk), form_data(contact, lists=[]))
    assert response.status_code == 302
    assert ListMembership.objects.current().count() == 1


def test_bulk_add_and_remove_choose_the_list_on_the_confirmation(admin, make_contact, contact_list):
    people = [make_contact() for _ in range(3)]
    query = "?next=" + CONTACTS + "".join(f"&id={p.pk}" for p in people[:2]) + "&id=abc"
    add = BULK.format(action="add_to_list") + query
    confirm = admin.get(add).content.decode()
    assert "2 contacts selected" in confirm and "Newsletter subscribers" in confirm
    assert 'href="/admin/snippets/wagtail_gdpr_mail/contact/"' in confirm  # breadcrumb
    missing = admin.post(add, {})
    assert missing.status_code == 200 and not ListMembership.objects.exists()
    done = admin.post(add, {"contact_list": contact_list.pk}, follow=True).content.decode()
    assert "2 contacts added to the list." in done
    assert set(Contact.objects.in_list(contact_list)) == set(people[:2])
    assert {m.added_by.username for m in ListMembership.objects.all()} == {"admin"}

    remove = BULK.format(action="remove_from_list") + "?next=" + CONTACTS + f"&id={people[0].pk}"
    done = admin.post(remove, {"contact_list": contact_list.pk}, follow=True).content.decode()
    assert "1 contact removed from the list" in done
    assert ListMembership.objects.count() == 2 and ListMembership.objects.former().count() == 1
    unknown = admin.post(remove, {"contact_list": 999})
    assert unknown.status_code == 200 and b"Select a valid choice" in unknown.content


def test_listing_filter_and_export_follow_current_membership_and_keep_history(
    admin, contact, contact_list
):
    add_to_list([contact], contact_list)
    remove_from_list([contact], contact_list)
    add_to_list([contact], contact_list)
    export = json.loads(admin.get(contact_url("export", contact.pk)).content)
    assert [entry["left_at"] is None for entry in export["lists"]] == [False, True]
    remove_from_list([contact], contact_list)
    listing = admin.get(CONTACTS, {"contact_list": contact_list.pk}).content.decode()
    assert "jana.novakova@example.com" not in listing


def test_erase_and_assign_screens_have_a_wagtail_header(admin, contact, contact_list):
    erase = admin.get(contact_url("erase", contact.pk)).content.decode()
    assert "w-breadcrumbs" in erase and 'href="/admin/snippets/wagtail_gdpr_mail/contact/"' in erase
    assert contact_url("inspect", contact.pk) in erase  # the way back to the contact
    assign = admin.get(
        reverse("wagtailsnippets_wagtail_gdpr_mail_contactlist:assign", args=[contact_list.pk])
    ).content.decode()
    assert "w-breadcrumbs" in assign and "Assign a purpose to a list" in assign
    assert 'href="/admin/snippets/wagtail_gdpr_mail/contactlist/"' in assign
    bulk = admin.get(BULK.format(action="delete") + f"?next={CONTACTS}&id={contact.pk}")
    assert b"w-breadcrumbs" in bulk.content and b"Erase contacts" in bulk.content


def test_anonymising_ends_the_memberships_and_keeps_their_dates(contact, contact_list):
    add_to_list([contact], contact_list)
    erase_contacts([contact], ErasureMode.ANONYMISE)
    stay = ListMembership.objects.get(contact=contact, contact_list=contact_list)
    assert stay.left_at is not None and stay.added_at < stay.left_at
    assert not ListMembership.objects.current().filter(contact=contact).exists()

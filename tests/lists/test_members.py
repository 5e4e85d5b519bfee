"""A list's members in the admin: who is in it (and was), adding, removing, counting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.users import make_user
from wagtail_gdpr_mail import audit
from wagtail_gdpr_mail.dates import format_date
from wagtail_gdpr_mail.lists import add_to_list, remove_from_list
from wagtail_gdpr_mail.models import Contact, ListMembership
from wagtail_gdpr_mail.rights.erasure import ErasureMode, erase_contacts

LISTS = "/admin/snippets/wagtail_gdpr_mail/contactlist/"


def url(name: str, *args) -> str:
    return reverse(f"wagtailsnippets_wagtail_gdpr_mail_contactlist:{name}", args=args)


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def list_editor(db):
    """May see contacts and lists and manage list members."""
    return make_user(
        "list_editor", ["view_contact", "change_contact", "view_contactlist", "manage_members"]
    )


def test_leaving_keeps_the_row_and_rejoining_is_a_new_stay(contact, contact_list, superuser):
    first = add_to_list([contact], contact_list, user=superuser)
    again = add_to_list([contact], contact_list, user=superuser)
    assert (first.changed, again.changed, again.unchanged) == (1, 0, 1)
    assert remove_from_list([contact], contact_list, user=superuser).changed == 1
    assert remove_from_list([contact], contact_list, user=superuser).unchanged == 1
    add_to_list([contact], contact_list)
    stays = list(ListMembership.objects.filter(contact=contact).order_by("pk"))
    assert [s.left_at is None for s in stays] == [False, True]
    assert stays[0].added_by == stays[0].removed_by == superuser
    assert stays[1].added_by is None
    assert list(Contact.objects.in_list(contact_list)) == [contact]
    remove_from_list([contact], contact_list)
    assert not Contact.objects.in_list(contact_list).exists()
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(contact.pk))
        .order_by("pk")
        .values_list("action", "data")
    )
    assert actions == [
        (audit.JOIN_LIST, {"list_id": contact_list.pk}),
        (audit.LEAVE_LIST, {"list_id": contact_list.pk}),
        (audit.JOIN_LIST, {"list_id": contact_list.pk}),
        (audit.LEAVE_LIST, {"list_id": contact_list.pk}),
    ]


def test_members_view_shows_current_members_with_join_date_and_filters(
    admin, make_contact, contact_list, superuser
):
    old = make_contact("old.member@example.com", first_name="Olga", last_name="Stará")
    new = make_contact("new.member@example.com")
    gone = make_contact("gone@example.com")
    joined = timezone.now() - timedelta(days=40)
    add_to_list([old], contact_list, user=superuser, when=joined)
    add_to_list([new, gone], contact_list)
    remove_from_list([gone], contact_list, user=superuser)

    body = admin.get(url("members", contact_list.pk)).content.decode()
    assert "old.member@example.com" in body and "new.member@example.com" in body
    assert "gone@example.com" not in body
    assert format_date(joined) in body and "Olga Stará" in body and "admin" in body
    assert 'href="/admin/snippets/wagtail_gdpr_mail/contactlist/"' in body  # breadcrumb

    former = admin.get(url("members", contact_list.pk), {"status": "former"}).content.decode()
    assert "gone@example.com" in former and "old.member@example.com" not in former
    assert format_date(timezone.now()) in former

    since = (timezone.now() - timedelta(days=5)).date().isoformat()
    recent = admin.get(url("members", contact_list.pk), {"added_at_from": since}).content
    assert b"new.member@example.com" in recent and b"old.member@example.com" not in recent
    results = admin.get(url("members_results", contact_list.pk), {"status": "all"})
    assert results.status_code == 200 and b"gone@example.com" in results.content


@pytest.mark.parametrize(
    "params",
    [{"added_at_from": "yesterday"}, {"status": "nonsense"}, {"p": "x"}, {"ordering": "x"}],
)
def test_bad_filter_input_is_not_an_error(admin, contact, contact_list, params):
    add_to_list([contact], contact_list)
    assert admin.get(url("members", contact_list.pk), params).status_code == 200


def test_unknown_or_non_numeric_list_ids_are_not_found(admin, contact):
    for name in ("members", "add_members", "assign"):
        assert admin.get(url(name, 999)).status_code == 404
        assert admin.get(f"{LISTS}{name.replace('_members', '')}/abc/").status_code == 404
    assert admin.get(url("remove_member", 999, contact.pk)).status_code == 404


def test_list_index_counts_current_members_not_anonymised_and_links_them(
    admin, make_contact, contact_list
):
    members = [make_contact() for _ in range(4)]
    add_to_list(members, contact_list)
    remove_from_list(members[:1], contact_list)
    erase_contacts(members[1:2], ErasureMode.ANONYMISE)
    body = admin.get(LISTS).content.decode()
    assert f'<a href="{url("members", contact_list.pk)}">2</a>' in body
    assert contact_list.member_count() == 2
    assign = admin.get(url("assign", contact_list.pk)).content.decode()
    assert "has 2 contacts" in assign
    members_page = admin.get(url("members", contact_list.pk), {"status": "all"}).content
    assert b"(anonymised)" not in members_page


def test_add_contacts_by_exact_address_says_which_were_not_found(admin, make_contact, contact_list):
    known = make_contact("known@example.com")
    make_contact("other@example.com")
    response = admin.post(
        url("add_members", contact_list.pk),
        {"emails": " KNOWN@example.com\n\nunknown@example.com\n"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 contact added to the list." in body
    assert "unknown@example.com" in body and "no contact was created" in body
    assert list(Contact.objects.in_list(contact_list)) == [known]
    assert Contact.objects.count() == 2
    membership = ListMembership.objects.get()
    assert membership.added_by.username == "admin"

    again = admin.post(url("add_members", contact_list.pk), {"contact": known.pk}, follow=True)
    assert "0 contacts added to the list. 1 was a member already." in again.content.decode()
    assert ListMembership.objects.count() == 1

    invalid = admin.post(url("add_members", contact_list.pk), {"emails": "not an address"})
    assert "Not e-mail addresses: not an address" in invalid.content.decode()
    empty = admin.post(url("add_members", contact_list.pk), {"contact": "abc"})
    assert empty.status_code == 200 and b"Select a valid choice" in empty.content


def test_remove_asks_first_then_ends_the_membership(admin, contact, contact_list):
    add_to_list([contact], contact_list)
    remove = url("remove_member", contact_list.pk, contact.pk)
    confirm = admin.get(remove).content.decode()
    assert "jana.novakova@example.com" in confirm and 'method="post"' in confirm
    assert ListMembership.objects.current().count() == 1
    done = admin.post(remove, follow=True).content.decode()
    assert "Removed from the list" in done
    membership = ListMembership.objects.get()
    assert membership.left_at is not None and membership.removed_by.username == "admin"
    twice = admin.post(remove, follow=True).content.decode()
    assert "not a member of the list" in twice
    assert ListMembership.objects.count() == 1


def test_every_new_view_needs_its_permission(client, viewer, editor, contact, contact_list):
    add_to_list([contact], contact_list)
    views = [
        ("get", url("members", contact_list.pk)),
        ("get", url("members_results", contact_list.pk)),
        ("get", url("add_members", contact_list.pk)),
        ("post", url("add_members", contact_list.pk)),
        ("get", url("remove_member", contact_list.pk, contact.pk)),
        ("post", url("remove_member", contact_list.pk, contact.pk)),
    ]
    no_contacts = make_user("lists_only", ["view_contactlist", "manage_members"])
    client.force_login(no_contacts)
    assert client.get(views[0][1]).status_code == 403
    for user in (viewer, editor):  # may see contacts, may not manage members
        client.force_login(user)
        for method, address in views[2:]:
            assert getattr(client, method)(address).status_code == 403, (user, address)
    assert ListMembership.objects.current().count() == 1
    body = client.get(views[0][1]).content.decode()
    assert "Add contacts" not in body and "data-remove-member" not in body
    bulk = "/admin/bulk/wagtail_gdpr_mail/contact/{}/?next=/admin/&id=" + str(contact.pk)
    for action in ("add_to_list", "remove_from_list"):
        assert client.get(bulk.format(action)).status_code == 403


def test_list_editor_sees_the_buttons(client, list_editor, contact, contact_list):
    add_to_list([contact], contact_list)
    client.force_login(list_editor)
    body = client.get(url("members", contact_list.pk)).content.decode()
    assert "Add contacts" in body and "data-remove-member" in body


def test_an_archived_list_takes_no_new_members_and_lists_sort_by_count(
    admin, contact, contact_list
):
    contact_list.archived = True
    contact_list.save()
    assert (
        admin.post(url("add_members", contact_list.pk), {"contact": contact.pk}).status_code == 404
    )
    assert not ListMembership.objects.exists()
    assert admin.get(LISTS, {"ordering": "-member_count"}).status_code == 200


def test_assign_to_list_counts_current_members_from_their_current_stay(
    make_contact, contact_list, purpose
):
    from wagtail_gdpr_mail.consent.assignments import ValidFrom, assign_purpose_to_list

    stayed, left = make_contact(), make_contact()
    long_ago = timezone.now() - timedelta(days=300)
    add_to_list([stayed, left], contact_list, when=long_ago)
    remove_from_list([stayed, left], contact_list)
    rejoined = timezone.now() - timedelta(days=3)
    add_to_list([stayed], contact_list, when=rejoined)
    result = assign_purpose_to_list(contact_list, purpose, valid_from=ValidFrom.JOINED)
    assert (result.assigned, result.renewed) == (1, 0)
    assert stayed.assignments.get().valid_from == rejoined
    assert not left.assignments.exists()


def test_the_permission_to_manage_members_is_offered_in_the_group_editor(admin):
    body = admin.get(reverse("wagtailusers_groups:add")).content.decode()
    assert "Can add and remove list members" in body

"""The Wagtail admin as an editor uses it: listing, search, filters, detail, assign, revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import Contact, ContactSource, PurposeAssignment

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"
SEARCH = LISTING + "search/"


def inspect_url(contact: Contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def test_menu_group_lists_the_app_sections(admin):
    response = admin.get("/admin/")
    body = response.content.decode()
    for label in ("GDPR mail", "Contacts", "Lists", "Purposes", "Legal bases"):
        assert label in body


def test_listing_shows_decrypted_addresses_and_valid_purposes(admin, contact, purpose):
    assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    response = admin.get(LISTING)
    assert response.status_code == 200
    body = response.content.decode()
    assert "jana.novakova@example.com" in body
    assert "Newsletter" in body


def test_search_is_an_exact_match_through_the_blind_index(admin, make_contact):
    make_contact("jana@example.com")
    make_contact("petr@example.com")
    found = admin.post(SEARCH, {"email": "  JANA@example.com"}, follow=True).content.decode()
    assert "jana@example.com" in found and "petr@example.com" not in found
    partial = admin.post(SEARCH, {"email": "jana"}, follow=True).content.decode()
    assert "jana@example.com" not in partial


def test_filters(admin, make_contact, make_purpose, contact_list):
    newsletter = make_purpose("Newsletter")
    now = timezone.now()
    subscribed = make_contact("subscribed@example.com")
    expiring = make_contact("expiring@example.com")
    make_contact("nobody@example.com")
    assign_purpose(subscribed, newsletter, source="admin")
    assign_purpose(
        expiring, newsletter, source="admin", valid_from=now - timedelta(days=3 * 365 - 5)
    )
    contact_list.memberships.create(contact=subscribed)

    def shown(**params):
        body = admin.get(LISTING, params).content.decode()
        return {
            name for name in ("subscribed", "expiring", "nobody") if f"{name}@example.com" in body
        }

    assert shown() == {"subscribed", "expiring", "nobody"}
    assert shown(purpose_status="none") == {"nobody"}
    assert shown(purpose_status="any") == {"subscribed", "expiring"}
    assert shown(purpose_status=f"valid-{newsletter.pk}") == {"subscribed", "expiring"}
    assert shown(expires_within=30) == {"expiring"}
    assert shown(contact_list=contact_list.pk) == {"subscribed"}


@pytest.mark.parametrize("bad", ["abc", "-5", "99999999999999999999", "1e400", "2.5"])
def test_bad_filter_input_is_refused_with_a_message_not_ignored(admin, contact, bad):
    response = admin.get(
        LISTING, {"expires_within": bad, "purpose_status": bad, "contact_list": bad}
    )
    assert response.status_code == 200
    body = response.content.decode()
    # Nobody is listed as if unfiltered; the listing says why and the field says what.
    assert "jana.novakova@example.com" not in body
    assert "data-gdpr-mail-filters-invalid" in body
    assert "Select a valid choice" in body


def test_detail_has_tabs_and_opening_it_is_audited_without_personal_data(admin, contact, purpose):
    assign_purpose(contact, purpose, source="admin", evidence={"ip": "192.0.2.44"})
    response = admin.get(inspect_url(contact))
    body = response.content.decode()
    assert response.status_code == 200
    for tab in ("tab-data", "tab-purposes", "tab-history"):
        assert f'id="{tab}"' in body
    assert "Kroměříž" in body  # the custom field, decrypted
    assert "192.0.2.44" in body  # the evidence, for someone allowed to see proof
    entry = ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.view_contact").get()
    assert entry.object_id == str(contact.pk)
    for entry in ModelLogEntry.objects.all():
        text = f"{entry.label} {entry.data}".lower()
        assert "jana" not in text and "192.0.2.44" not in text


def test_assign_and_revoke_from_the_detail(admin, contact, purpose):
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:assign", args=[contact.pk])
    assert admin.get(url).status_code == 405  # only POST changes state
    response = admin.post(url, {"purpose": purpose.pk})
    assert response.status_code == 302
    assignment = PurposeAssignment.objects.get(contact=contact)
    assert assignment.is_valid

    revoke_url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:revoke", args=[assignment.pk])
    assert admin.get(revoke_url).status_code == 200  # the confirmation, nothing revoked
    assert PurposeAssignment.objects.get(contact=contact).revoked_at is None
    admin.post(revoke_url, {"editor_reason": "asked"})
    admin.post(revoke_url, {"editor_reason": "asked"})  # a double click revokes once
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    body = admin.get(inspect_url(contact)).content.decode()
    assert 'data-status="revoked"' in body
    assert body.count('data-event="revoked"') == 1
    assert body.count('data-event="given"') == 1
    actions = list(
        ModelLogEntry.objects.filter(action__startswith="wagtail_gdpr_mail.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions.count("wagtail_gdpr_mail.assign_purpose") == 1
    assert actions.count("wagtail_gdpr_mail.revoke_purpose") == 1


def test_assign_with_a_chosen_start(admin, contact, purpose):
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:assign", args=[contact.pk])
    admin.post(url, {"purpose": purpose.pk, "valid_from": "2025-03-01 10:00"})
    assignment = PurposeAssignment.objects.get(contact=contact)
    assert assignment.valid_from.year == 2025 and assignment.valid_from.month == 3
    assert assignment.valid_until.year == 2028


def test_assign_with_bad_input_shows_an_error_and_stores_nothing(admin, contact):
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:assign", args=[contact.pk])
    response = admin.post(url, {"purpose": "999999"}, follow=True)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not PurposeAssignment.objects.exists()


def test_assign_purpose_to_a_list_from_the_admin(admin, make_contact, contact_list, purpose):
    for days in (10, 20):
        contact_list.memberships.create(
            contact=make_contact(), added_at=timezone.now() - timedelta(days=days)
        )
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contactlist:assign", args=[contact_list.pk])
    page = admin.get(url)
    assert page.status_code == 200
    assert "2 contacts" in page.content.decode()
    response = admin.post(url, {"purpose": purpose.pk, "valid_from": "joined"}, follow=True)
    assert "assigned to 2 contacts" in response.content.decode()
    starts = sorted(a.valid_from for a in PurposeAssignment.objects.all())
    joined = sorted(m.added_at for m in contact_list.memberships.all())
    assert starts == joined
    missing_date = admin.post(url, {"purpose": purpose.pk, "valid_from": "date"})
    assert "Choose the date" in missing_date.content.decode()


def test_editor_without_permission_cannot_assign_or_see_proof(client, viewer, contact, purpose):
    assignment, _ = assign_purpose(contact, purpose, source="admin")
    client.force_login(viewer)
    body = client.get(inspect_url(contact)).content.decode()
    assert 'id="tab-history"' not in body
    assert "Assign a purpose" not in body
    assert ">Revoke<" not in body
    assign = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:assign", args=[contact.pk])
    assert client.post(assign, {"purpose": purpose.pk}).status_code == 403
    revoke = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:revoke", args=[assignment.pk])
    assert client.post(revoke).status_code == 403
    assert PurposeAssignment.objects.get().revoked_at is None


def test_editor_with_permissions_can_assign(client, editor, contact, purpose):
    client.force_login(editor)
    assign = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:assign", args=[contact.pk])
    assert client.post(assign, {"purpose": purpose.pk}).status_code == 302
    assert 'id="tab-history"' in client.get(inspect_url(contact)).content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client, contact):
    response = client.get(inspect_url(contact))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_create_contact_in_the_admin_encrypts_and_rejects_duplicates(admin, contact):
    add_url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:add")
    data = {
        "email": "new.person@example.com",
        "first_name": "Nový",
        "last_name": "Člověk",
        "custom_fields": '{"city": "Ostrava"}',
        "source": "admin",
    }
    assert admin.post(add_url, data).status_code == 302
    created = Contact.objects.by_email("new.person@example.com").get()
    assert created.custom_fields == {"city": "Ostrava"}
    duplicate = admin.post(add_url, {**data, "email": "JANA.NOVAKOVA@example.com"})
    assert duplicate.status_code == 200
    assert "already exists" in duplicate.content.decode()
    not_an_object = admin.post(add_url, {**data, "email": "x@example.com", "custom_fields": "[1]"})
    assert "JSON object" in not_an_object.content.decode()
    assert Contact.objects.count() == 2


def test_custom_permissions_appear_in_the_group_editor(admin):
    body = admin.get(reverse("wagtailusers_groups:add")).content.decode()
    for label in ("Can view consent proof", "Can export personal data", "Can erase personal data"):
        assert label in body


def test_purpose_editing_keeps_revisions(admin, legal_basis):
    add_url = reverse("wagtailsnippets_wagtail_gdpr_mail_processingpurpose:add")
    response = admin.post(
        add_url,
        {
            "name": "Webinar invitations",
            "legal_basis": legal_basis.pk,
            "retention_amount": "2",
            "retention_unit": "years",
            "visitor_text": "Invitations to our webinars.",
            "internal_note": "",
            "revocable_by_unsubscribe": "on",
            "purpose_category": "Marketing",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    from wagtail_gdpr_mail.models import ProcessingPurpose

    purpose = ProcessingPurpose.objects.get(name="Webinar invitations")
    assert purpose.revisions.count() == 1
    assert purpose.retention_display == "2 years"

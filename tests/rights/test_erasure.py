"""Erasing a contact (issue 4): anonymised or deleted from the admin, in bulk or by the
command; erased addresses stay out until the person subscribes anew.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.html_forms import parse_forms
from tests.helpers.rate_limits import clear_rate_limits
from tests.helpers.rights import (
    ADD_URL,
    CONFIRM_IP,
    EMAIL,
    FIRST_NAME,
    LISTING,
    ROUTES,
    SUBMIT_IP,
    after_commit,
    assignment_counts,
    edit_form,
    edit_url,
    erase_through,
    everything_in_the_database,
    inspect_url,
    listed_rows,
    logged_in,
    personal_data_in,
    subscribe_and_confirm,
)
from tests.helpers.users import make_user
from wagtail_gdpr_mail.crypto import email_blind_index
from wagtail_gdpr_mail.exceptions import SuppressedAddressError
from wagtail_gdpr_mail.models import (
    AccessRequest,
    ConsentRecord,
    Contact,
    ListMembership,
    PendingSignup,
    PurposeAssignment,
    Suppression,
)
from wagtail_gdpr_mail.rights.erasure import erase_contacts

# --- Anonymisation ----------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_anonymising_wipes_the_person_and_keeps_the_statistics(person, route):
    contact, other = person.contact, person.other
    eraser = make_user("eraser", ["view_contact", "erase_contact"])
    admin_client = logged_in(eraser)
    assert set(personal_data_in(everything_in_the_database())) >= {EMAIL, FIRST_NAME, SUBMIT_IP}
    contacts, per_purpose = Contact.objects.count(), assignment_counts()
    records, rows = ConsentRecord.objects.count(), listed_rows(admin_client)
    withdrawn = contact.assignments.get(purpose=person.extra)
    still_held = contact.assignments.filter(revoked_at__isnull=True).count()
    assert rows == 2

    erase_through(route, contact, "anonymise", eraser)

    # Counts and statistics do not move; the row is still listed.
    assert Contact.objects.count() == contacts
    assert assignment_counts() == per_purpose
    # Each purpose the erasure ended gets its "revoked" record; none is lost.
    assert ConsentRecord.objects.count() == records + still_held
    assert contact.consent_records.filter(event="revoked").count() >= still_held
    assert ListMembership.objects.filter(contact=contact).exists()
    assert listed_rows(admin_client) == rows
    contact.refresh_from_db()
    assert contact.is_anonymised
    assert contact.display_email == "(anonymised)"
    assert "(anonymised)" in admin_client.get(LISTING).content.decode()
    detail = admin_client.get(inspect_url(contact))
    assert detail.status_code == 200
    assert "(anonymised)" in detail.content.decode()
    assert personal_data_in(detail.content.decode()) == []

    # Every purpose is revoked; erasure is the reason unless it was revoked before.
    for assignment in contact.assignments.all():
        assert assignment.revoked_at is not None
        expected = "withdrawn" if assignment.pk == withdrawn.pk else "erasure"
        assert assignment.revocation_reason == expected, assignment.purpose.name
    assert not PurposeAssignment.objects.filter(contact=contact).valid_at().exists()
    assert all(r.evidence is None for r in contact.consent_records.all())

    # Nobody with access to the database, keys included, finds anything of her.
    assert personal_data_in(everything_in_the_database()) == []
    assert Suppression.objects.is_suppressed(EMAIL)
    # Someone else is untouched.
    other.refresh_from_db()
    assert other.email == "someone.else@example.com" and not other.is_anonymised
    assert other.assignments.get().is_valid


def test_anonymising_twice_changes_nothing_more(person):
    erase_contacts([person.contact], "anonymise")
    person.contact.refresh_from_db()
    first = person.contact.anonymised_at
    assert erase_contacts([person.contact], "anonymise") == 0
    person.contact.refresh_from_db()
    assert person.contact.anonymised_at == first
    assert (
        ModelLogEntry.objects.filter(
            action="wagtail_gdpr_mail.erase", object_id=str(person.contact.pk)
        ).count()
        == 1
    )


# --- Deletion ----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_deleting_removes_the_contact_and_every_row_about_them(person, route):
    contact, other = person.contact, person.other
    pk = contact.pk
    # A second, unconfirmed signup of hers (different case) and a "my data" request.
    with after_commit():
        PendingSignup.objects.create(
            email=EMAIL.upper(),
            email_index=email_blind_index(EMAIL),
            form_id=person.form_id,
            page=person.page,
            expires_at=timezone.now() + timedelta(days=3),
            data={"first_name": FIRST_NAME, "submission": {"ip": SUBMIT_IP}},
        )
    AccessRequest.objects.create(contact=contact, expires_at=timezone.now() + timedelta(hours=1))
    other_signup = PendingSignup.objects.create(
        email="third@example.com",
        email_index=email_blind_index("third@example.com"),
        form_id=person.form_id,
        expires_at=timezone.now() + timedelta(days=3),
    )
    others = {
        "assignments": other.assignments.count(),
        "records": other.consent_records.count(),
        "memberships": other.memberships.count(),
    }
    eraser = make_user("eraser", ["view_contact", "erase_contact"])

    erase_through(route, contact, "delete", eraser)

    assert not Contact.objects.filter(pk=pk).exists()
    assert not PurposeAssignment.objects.filter(contact_id=pk).exists()
    assert not ConsentRecord.objects.filter(contact_id=pk).exists()
    assert not ListMembership.objects.filter(contact_id=pk).exists()
    assert not AccessRequest.objects.filter(contact_id=pk).exists()
    assert not PendingSignup.objects.filter(email_index=email_blind_index(EMAIL)).exists()
    assert personal_data_in(everything_in_the_database()) == []
    # Only her rows went.
    assert PendingSignup.objects.filter(pk=other_signup.pk).exists()
    assert Contact.objects.count() == 1
    assert other.assignments.count() == others["assignments"]
    assert other.consent_records.count() == others["records"]
    assert other.memberships.count() == others["memberships"]
    assert Suppression.objects.is_suppressed(EMAIL)
    # The audit log still says it happened (and to which contact number).
    entry = ModelLogEntry.objects.get(action="wagtail_gdpr_mail.erase", object_id=str(pk))
    assert entry.data == {"mode": "delete"}


# --- Erased addresses stay out, until the person subscribes anew ------------------------


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_an_erased_address_cannot_be_added_again(person, superuser, mode):
    erase_contacts([person.contact], mode)
    count = Contact.objects.count()
    admin = logged_in(superuser)

    # The admin add form, with the address typed differently.
    add_page = admin.get(ADD_URL)
    assert add_page.status_code == 200
    (form,) = [f for f in parse_forms(add_page.content.decode()) if "first_name" in f.values]
    form.values.update(email=f" {EMAIL.upper()} ", first_name="Someone", last_name="Else")
    response = admin.post(ADD_URL, form.values)
    assert response.status_code == 200
    assert "This address was erased or stopped receiving mail" in response.content.decode()
    assert Contact.objects.count() == count

    # Changing another contact's address to it, in the admin.
    other = person.other
    response = admin.post(edit_url(other), {**edit_form(admin, other), "email": EMAIL})
    assert response.status_code == 200
    assert "This address was erased or stopped receiving mail" in response.content.decode()
    other.refresh_from_db()
    assert other.email == "someone.else@example.com"

    # What imports and the API use.
    with pytest.raises(SuppressedAddressError):
        Contact.objects.create(email=EMAIL.title())
    with pytest.raises(SuppressedAddressError):
        Contact(email=EMAIL, first_name="X").save()
    other.email = EMAIL
    with pytest.raises(SuppressedAddressError):
        other.save()
    assert Contact.objects.count() == count
    assert not Contact.objects.by_email(EMAIL).exists()


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_a_fresh_double_opt_in_by_the_person_brings_the_address_back(person, mode):
    erase_contacts([person.contact], mode)
    count = Contact.objects.count()
    assert Suppression.objects.is_suppressed(EMAIL)
    clear_rate_limits()  # some time later: no quiet period or rate limit left from the first signup

    contact = subscribe_and_confirm(person, EMAIL.upper(), first_name=FIRST_NAME)

    assert Contact.objects.count() == count + 1
    assert contact.pk != person.contact.pk
    assert contact.email == EMAIL.upper() and not contact.is_anonymised
    assert not Suppression.objects.for_email(EMAIL).exists()
    assert PurposeAssignment.objects.filter(contact=contact).valid_at().get().purpose == person.main
    record = contact.consent_records.get()
    assert record.event == "given"
    assert record.evidence["suppression_lifted"] == ["erased"]
    assert record.evidence["confirmation"]["ip"] == CONFIRM_IP
    # An ordinary confirmation (nothing suppressed) says nothing of the kind.
    fresh = subscribe_and_confirm(person, "never.erased@example.com")
    assert "suppression_lifted" not in fresh.consent_records.get().evidence


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_subscribing_again_right_after_erasure_sends_the_confirmation_mail(person, mode):
    """Erased by mistake ("erase me" on the self-service page), subscribed again at once:
    the page says "check your mailbox", so a mail must come."""
    erase_contacts([person.contact], mode)
    contact = subscribe_and_confirm(person, EMAIL, first_name=FIRST_NAME)
    assert contact.consent_records.get().evidence["suppression_lifted"] == ["erased"]


def test_suppression_can_be_switched_off(person, settings):
    settings.WAGTAIL_GDPR_MAIL_SUPPRESS_ERASED = False
    erase_contacts([person.contact], "delete")
    assert not Suppression.objects.is_suppressed(EMAIL)
    Contact.objects.create(email=EMAIL)

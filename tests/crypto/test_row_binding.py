"""Every encrypted value is bound to its row: copied or swapped into another row, it
reads as unreadable there instead of showing someone else's data (issue 9, item 7)."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from tests.helpers.tampering import (
    copy_between_rows,
    raw_value,
    set_raw_value,
    swap_between_rows,
)
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.crypto import is_unreadable, models_with_encrypted_fields, row_key_of
from wagtail_gdpr_mail.models import ConsentRecord, Contact, ContactSource, PendingSignup
from wagtail_gdpr_mail.rights.export import export_json, unreadable_values

FIRST, SECOND, THIRD = "prvni@example.cz", "druha@example.cz", "treti@example.cz"


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def three(make_contact):
    return [
        make_contact(address, first_name=f"Name{i}")
        for i, address in enumerate((FIRST, SECOND, THIRD), start=1)
    ]


def inspect_page(admin, contact: Contact) -> str:
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])
    response = admin.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_email_copied_into_another_contact_is_unreadable_there(admin, three):
    first, _, third = three
    copy_between_rows(Contact, "email", first.pk, third.pk)

    # A search for the third contact's address finds the third contact, not the first
    # contact's address.
    found = Contact.objects.by_email(THIRD).get()
    assert found.pk == third.pk
    assert is_unreadable(found.email)
    assert found.first_name == "Name3"
    assert is_unreadable(Contact.objects.filter(pk=third.pk).values_list("email", flat=True)[0])
    page = inspect_page(admin, third)
    assert FIRST not in page
    assert "(unreadable)" in page
    # The row it came from is untouched.
    assert Contact.objects.get(pk=first.pk).email == FIRST
    assert FIRST in inspect_page(admin, first)


def test_swapping_two_contacts_addresses_and_indexes_leaves_both_unreadable(admin, three):
    first, second, _ = three
    swap_between_rows(Contact, ["email", "email_index"], first.pk, second.pk)
    for address, contact in ((FIRST, second), (SECOND, first)):
        found = Contact.objects.by_email(address).get()
        assert found.pk == contact.pk
        assert is_unreadable(found.email)
        assert address not in inspect_page(admin, contact)
    call = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("gdpr_mail_unreadable", stdout=call)
    assert f"wagtail_gdpr_mail.Contact #{first.pk} email" in call.getvalue()
    assert f"wagtail_gdpr_mail.Contact #{second.pk} email" in call.getvalue()


def test_evidence_copied_into_another_consent_record_is_unreadable_there(three, purpose):
    first, second, _ = three
    assign_purpose(first, purpose, source=ContactSource.FORM, evidence={"ip": "198.51.100.1"})
    assign_purpose(second, purpose, source=ContactSource.FORM, evidence={"ip": "198.51.100.2"})
    source = ConsentRecord.objects.get(contact=first)
    target = ConsentRecord.objects.get(contact=second)
    copy_between_rows(ConsentRecord, "evidence", source.pk, target.pk)

    assert is_unreadable(ConsentRecord.objects.get(pk=target.pk).evidence)
    assert unreadable_values(second) == [f"ConsentRecord #{target.pk} evidence"]
    assert "198.51.100.1" not in export_json(second)
    assert ConsentRecord.objects.get(pk=source.pk).evidence["ip"] == "198.51.100.1"
    assert unreadable_values(first) == []


def test_a_row_key_copied_with_the_value_breaks_the_rest_of_the_row(three):
    """Moving the row key along moves the whole row's binding: the target's own
    values stop decrypting, so nothing mixes two people's data unnoticed."""
    first, _, third = three
    key = raw_value(Contact, first.pk, "row_key")
    copy_between_rows(Contact, "email", first.pk, third.pk)
    Contact.objects.filter(pk=first.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wagtail_gdpr_mail_contact SET row_key = %s WHERE id = %s", [key, third.pk]
        )
    moved = Contact.objects.get(pk=third.pk)
    assert moved.email == FIRST
    assert is_unreadable(moved.first_name)


def test_every_model_with_encrypted_fields_has_a_row_key():
    for model in models_with_encrypted_fields(apps.get_models()):
        field = row_key_of(model)
        assert field is not None, model
        assert field.unique and not field.null and field.has_default(), model


def test_a_queryset_update_can_wipe_but_not_write_an_encrypted_value(contact):
    with pytest.raises(ValueError, match="save\\(\\) or bulk_create\\(\\)"), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(first_name="Someone")
    Contact.objects.filter(pk=contact.pk).update(first_name="", custom_fields={})
    fresh = Contact.objects.get(pk=contact.pk)
    assert fresh.first_name == "" and fresh.custom_fields == {}
    fresh.first_name = "Jana"
    fresh.save()
    assert Contact.objects.get(pk=contact.pk).first_name == "Jana"


# --- The migration that re-encrypts existing rows ----------------------------------------

BEFORE = ("wagtail_gdpr_mail", "0009_purpose_category_list_archive")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_binds_existing_values_to_their_rows(purpose):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old = executor.loader.project_state([BEFORE]).apps
        OldContact = old.get_model("wagtail_gdpr_mail", "Contact")
        OldRecord = old.get_model("wagtail_gdpr_mail", "ConsentRecord")
        OldSignup = old.get_model("wagtail_gdpr_mail", "PendingSignup")
        # Written as releases before 0010 wrote them: bound to model and field only.
        contacts = [
            OldContact.objects.create(
                email=address,
                email_index=f"x${i}",
                first_name=f"Name{i}",
                last_name="",
                custom_fields={"n": i},
            )
            for i, address in enumerate((FIRST, SECOND, THIRD))
        ]
        record = OldRecord.objects.create(
            contact_id=contacts[0].pk,
            purpose_id=purpose.pk,
            event="given",
            source="form",
            occurred_at=timezone.now(),
            evidence={"ip": "198.51.100.9"},
            evidence_digest="d",
            previous_hash="p",
            record_hash="h",
        )
        signup = OldSignup.objects.create(
            email=SECOND,
            email_index="y",
            data={"first_name": "Druha"},
            form_id="f",
            expires_at=timezone.now(),
            mail_snapshot=None,
        )
        # One value already damaged before the migration (copied into another column,
        # which the old binding caught too): left as it is, and reported.
        set_raw_value(
            OldContact,
            contacts[1].pk,
            "last_name",
            raw_value(OldContact, contacts[1].pk, "first_name"),
        )
        legacy_email = raw_value(OldContact, contacts[2].pk, "email")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    first, second, third = (Contact.objects.get(pk=c.pk) for c in contacts)
    assert (first.email, first.first_name, first.custom_fields) == (FIRST, "Name0", {"n": 0})
    assert (third.email, third.first_name, third.custom_fields) == (THIRD, "Name2", {"n": 2})
    assert second.first_name == "Name1" and is_unreadable(second.last_name)
    assert len({c.row_key for c in (first, second, third)}) == 3
    assert ConsentRecord.objects.get(pk=record.pk).evidence == {"ip": "198.51.100.9"}
    fresh_signup = PendingSignup.objects.get(pk=signup.pk)
    assert (fresh_signup.email, fresh_signup.data) == (SECOND, {"first_name": "Druha"})
    assert fresh_signup.mail_snapshot is None
    # Re-encrypted under the new binding: the old ciphertext no longer reads anywhere,
    # and a migrated value copied into another row does not decrypt there.
    assert raw_value(Contact, third.pk, "email") != legacy_email
    copy_between_rows(Contact, "email", first.pk, third.pk)
    assert is_unreadable(Contact.objects.get(pk=third.pk).email)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("gdpr_mail_unreadable", stdout=out)
    listed = out.getvalue()
    assert f"wagtail_gdpr_mail.Contact #{second.pk} last_name" in listed
    assert f"wagtail_gdpr_mail.Contact #{third.pk} email" in listed

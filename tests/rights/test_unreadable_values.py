"""One corrupted value breaks neither the listing nor the person's rights (issue 9, item 6).

Someone changed one character of an encrypted column. The admin shows the row as
unreadable and explains it; export says which fields it could not read; anonymise and
delete still work (they are the person's right); key rotation names the row and can skip
it; ``gdpr_mail_unreadable`` lists such rows.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.helpers.rights import (
    EMAIL,
    LISTING,
    ROUTES,
    erase_through,
    export_url,
    inspect_url,
    logged_in,
)
from tests.helpers.tampering import corrupt
from tests.helpers.users import make_user
from wagtail_gdpr_mail.crypto import UnreadableValueError, generate_key_entry
from wagtail_gdpr_mail.models import ConsentRecord, Contact, Suppression


@pytest.fixture
def damaged(person):
    """Zdeňka's first name and one consent record's evidence were changed in the database."""
    corrupt(Contact, person.contact.pk, "first_name")
    record = person.contact.consent_records.order_by("pk").first()
    corrupt(ConsentRecord, record.pk, "evidence")
    return person


def test_the_listing_and_the_detail_show_the_row_as_unreadable(damaged, superuser):
    admin = logged_in(superuser)
    listing = admin.get(LISTING)
    assert listing.status_code == 200
    assert "(unreadable)" in listing.content.decode()
    detail = admin.get(inspect_url(damaged.contact))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "(unreadable)" in page
    assert "could not be decrypted" in page
    assert "first name" in page


def test_an_unreadable_value_is_never_saved_back(damaged):
    contact = Contact.objects.get(pk=damaged.contact.pk)
    contact.last_name = "Nová"
    with pytest.raises(UnreadableValueError):
        contact.save()
    # Giving the field a new value (rectification) is fine.
    contact.first_name = "Zdeňka"
    contact.save()
    assert Contact.objects.get(pk=contact.pk).first_name == "Zdeňka"


def test_export_names_what_it_could_not_read(damaged, superuser):
    response = logged_in(superuser).get(export_url(damaged.contact))
    assert response.status_code == 200
    data = json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert data["contact"]["first_name"] == "(unreadable)"
    assert data["contact"]["email"] == EMAIL
    assert any(r["evidence"] == {"unreadable": True} for r in data["consent_records"])
    err = io.StringIO()
    call_command("gdpr_mail_export", EMAIL, stdout=io.StringIO(), stderr=err)
    assert "could not be decrypted: Contact first_name" in err.getvalue()


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
@pytest.mark.parametrize("route", ROUTES)
def test_unreadable_rows_can_be_erased(damaged, route, mode):
    eraser = make_user("eraser", ["view_contact", "erase_contact"])
    erase_through(route, damaged.contact, mode, eraser)
    remaining = Contact.objects.filter(pk=damaged.contact.pk)
    if mode == "delete":
        assert not remaining.exists()
    else:
        assert remaining.get().is_anonymised
        assert all(r.evidence is None for r in damaged.contact.consent_records.all())
    assert Suppression.objects.is_suppressed(EMAIL)


def test_rotation_names_model_row_and_field_and_can_skip(damaged, settings):
    settings.WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS = [
        generate_key_entry("k2"),
        *settings.WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS,
    ]
    pk = damaged.contact.pk
    with pytest.raises(CommandError, match=rf"wagtail_gdpr_mail.Contact #{pk} first_name"):
        call_command("gdpr_mail_rotate_keys", stdout=io.StringIO())
    out = io.StringIO()
    call_command("gdpr_mail_rotate_keys", skip_unreadable=True, stdout=out)
    output = out.getvalue()
    assert f"Skipped unreadable: wagtail_gdpr_mail.Contact #{pk} first_name" in output
    assert "wagtail_gdpr_mail.ConsentRecord #" in output
    with override_settings(
        WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=settings.WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS[:1]
    ):
        # Everything readable moved to the new key: the other contact reads without k1.
        assert Contact.objects.get(pk=damaged.other.pk).first_name == "Karel"


def test_a_command_lists_unreadable_rows_and_exits_1(damaged):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("gdpr_mail_unreadable", stdout=out)
    assert exit_.value.code == 1
    lines = out.getvalue().splitlines()
    assert f"wagtail_gdpr_mail.Contact #{damaged.contact.pk} first_name" in lines
    assert sum("wagtail_gdpr_mail.ConsentRecord #" in line for line in lines) == 1
    assert "2 unreadable values" in out.getvalue()


def test_the_command_is_quiet_when_everything_reads(person):
    out = io.StringIO()
    call_command("gdpr_mail_unreadable", stdout=out)
    assert "No unreadable values" in out.getvalue()

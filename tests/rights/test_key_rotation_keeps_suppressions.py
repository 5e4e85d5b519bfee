"""Rotating the blind-index key never silently drops a suppression (issue 9, item 2).

Suppressions hold only the keyed hash of an address. Rotated as docs/security.md says,
the old key stays configured while any suppression is hashed under it; removing it is a
system error that names the key and the count.
"""

from __future__ import annotations

import io

import pytest
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.test import override_settings

from tests.helpers.rate_limits import clear_rate_limits
from tests.helpers.rights import ADD_URL, EMAIL, FIRST_NAME, logged_in, subscribe_and_confirm
from tests.helpers.users import make_user
from wagtail_gdpr_mail.checks import check_stored_index_keys
from wagtail_gdpr_mail.crypto import generate_key_entry
from wagtail_gdpr_mail.exceptions import SuppressedAddressError
from wagtail_gdpr_mail.models import Contact, Suppression
from wagtail_gdpr_mail.rights.erasure import erase_contacts

BOUNCED = "someone.else@example.com"  # person.other: still a contact, hard-bounced


@pytest.fixture
def rotated(person, settings):
    """Zdeňka erased, Karel (still a contact) bounced; then the blind-index key rotated as
    the docs say: a new key first, the old one kept after it, the command run."""
    erase_contacts([person.contact], "delete")
    Suppression.add(reason=Suppression.Reason.BOUNCED, email=BOUNCED)
    old = list(settings.WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS)
    new = [generate_key_entry("idx2")]
    settings.WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS = new + old
    out = io.StringIO()
    call_command("gdpr_mail_rotate_keys", stdout=out)
    return new, old, out.getvalue()


def test_rotation_says_it_is_not_done_while_suppressions_need_the_old_key(rotated):
    new, old, output = rotated
    assert "Done:" not in output
    # Karel's suppression followed his contact to the new key; Zdeňka's has no address left.
    assert (
        "Not done: 1 suppressed addresses are still hashed under blind-index key 'test1'" in output
    )
    assert "Keep 'test1' in WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS" in output
    assert Suppression.objects.get(reason="bounced").address_index.startswith("idx2$")
    # With the old key kept, nothing is reported.
    assert check_stored_index_keys() == []


def test_with_the_old_key_kept_no_erased_address_comes_back_without_double_opt_in(rotated, person):
    count = Contact.objects.count()
    with pytest.raises(SuppressedAddressError):
        Contact.objects.create(email=EMAIL.upper())
    with pytest.raises(SuppressedAddressError):
        Contact(email=BOUNCED.title(), first_name="Copy").save()
    editor = make_user("adder", ["add_contact", "view_contact", "change_contact"])
    response = logged_in(editor).post(
        ADD_URL, {"email": EMAIL, "first_name": "X", "last_name": "", "custom_fields": "{}"}
    )
    assert "This address was erased or stopped receiving mail" in response.content.decode()
    assert Contact.objects.count() == count
    # The bounced contact itself can still be edited: its address did not change.
    person.other.first_name = "Karel II"
    person.other.save()

    # The person's own double opt-in is the one way back, and says what it lifted.
    clear_rate_limits()
    contact = subscribe_and_confirm(person, EMAIL, first_name=FIRST_NAME)
    assert contact.consent_records.get().evidence["suppression_lifted"] == ["erased"]
    assert not Suppression.objects.for_email(EMAIL).exists()


def test_removing_the_old_key_is_a_system_error_naming_key_and_count(rotated):
    new, old, _ = rotated
    with override_settings(WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS=new, DEBUG=False):
        messages = check_stored_index_keys()
    assert [(type(m), m.id) for m in messages] == [(Error, "wagtail_gdpr_mail.E030")]
    assert "1 suppressed addresses are hashed under blind-index key 'test1'" in messages[0].msg
    assert "can be added again" in messages[0].msg
    assert "put key 'test1' back" in messages[0].hint
    with override_settings(WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS=new, DEBUG=True):
        assert [type(m) for m in check_stored_index_keys()] == [Warning]


def test_contacts_left_under_a_removed_index_key_are_reported_too(make_contact, settings):
    make_contact("first@example.com")
    make_contact("second@example.com")
    settings.WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS = [generate_key_entry("idx3")]
    messages = check_stored_index_keys()
    assert [m.msg.split(" are ")[0] for m in messages] == ["2 contacts"]
    assert "gdpr_mail_rotate_keys" in messages[0].hint


def test_a_new_bounce_moves_an_old_suppression_to_the_current_key(db, settings):
    Suppression.add(reason=Suppression.Reason.BOUNCED, email="gone@example.com")
    settings.WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS = [
        generate_key_entry("idx4"),
        *settings.WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS,
    ]
    Suppression.add(reason=Suppression.Reason.COMPLAINED, email="GONE@example.com")
    assert [s.address_index[:5] for s in Suppression.objects.all()] == ["idx4$"]

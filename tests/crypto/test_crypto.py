"""Encryption at rest: what a stored value looks like, and what happens when it is wrong."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.core.checks import Error, Warning
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tests.helpers.dumps import pg_dump, sqlite_dump, sqlite_file_bytes
from tests.helpers.keygen import new_keys
from tests.helpers.services import database_is_postgres, need
from wagtail_gdpr_mail.checks import check_encryption_keys
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.crypto import (
    Cipher,
    Unreadable,
    generate_key_entry,
    get_cipher,
    parse_keys,
)
from wagtail_gdpr_mail.exceptions import ConfigurationError, DecryptionError
from wagtail_gdpr_mail.models import ConsentRecord, Contact, ContactSource

PERSONAL = {
    "email": "tajna.adresa@example.cz",
    "first_name": "Bohumila",
    "last_name": "Křižíková",
    "city": "Uherské Hradiště",
}
IP, USER_AGENT = "203.0.113.77", "Mozilla/5.0 (X11; Linux) UniqueAgent/42.7"


def raw_column(contact: Contact, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM wagtail_gdpr_mail_contact WHERE id = %s", [contact.pk]
        )  # noqa: S608
        return cursor.fetchone()[0]


def set_raw_column(contact: Contact, column: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE wagtail_gdpr_mail_contact SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, contact.pk],
        )


def make_personal_contact(purpose) -> Contact:
    contact = Contact.objects.create(
        email=PERSONAL["email"],
        first_name=PERSONAL["first_name"],
        last_name=PERSONAL["last_name"],
        custom_fields={"city": PERSONAL["city"]},
    )
    assign_purpose(
        contact,
        purpose,
        source=ContactSource.FORM,
        evidence={"submission": {"ip": IP, "user_agent": USER_AGENT}},
    )
    return contact


def assert_no_plaintext(dump: str) -> None:
    for value in [*PERSONAL.values(), IP, USER_AGENT, "tajna.adresa"]:
        assert value not in dump, f"{value!r} found in plain text in the database dump"
        assert value.lower() not in dump.lower()


def test_values_are_stored_as_ciphertext_and_read_back(contact):
    stored = raw_column(contact, "email")
    assert stored.startswith("gm1$test1$")
    assert "jana" not in stored.lower()
    fresh = Contact.objects.get(pk=contact.pk)
    assert fresh.email == "jana.novakova@example.com"
    assert fresh.custom_fields == {"city": "Kroměříž"}
    assert fresh.last_name == "Nováková"


def test_same_plaintext_encrypts_differently_each_time():
    cipher = get_cipher()
    assert cipher.encrypt(b"x", b"aad") != cipher.encrypt(b"x", b"aad")


def assert_unreadable(value, reason: str) -> None:
    """Detected, never returned as data: the field holds an Unreadable with the reason."""
    assert isinstance(value, Unreadable), value
    assert reason in value.reason
    assert str(value) == "(unreadable)"


def test_value_copied_into_another_column_does_not_decrypt(contact):
    set_raw_column(contact, "last_name", raw_column(contact, "first_name"))
    fresh = Contact.objects.get(pk=contact.pk)
    assert_unreadable(fresh.last_name, "failed authentication")
    assert fresh.first_name == "Jana"


def test_tampered_value_raises_instead_of_returning_garbage(contact):
    stored = raw_column(contact, "first_name")
    prefix, body = stored.rsplit("$", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    set_raw_column(contact, "first_name", f"{prefix}${flipped}")
    assert_unreadable(Contact.objects.get(pk=contact.pk).first_name, "failed authentication")


def test_plain_text_in_an_encrypted_column_is_never_returned(contact):
    set_raw_column(contact, "first_name", "Jana")
    assert_unreadable(Contact.objects.get(pk=contact.pk).first_name, "never returned as plain text")


def test_wrong_key_gives_a_clear_error(contact):
    other = generate_key_entry("test1")  # same id, different secret
    with override_settings(WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=[other]):
        assert_unreadable(Contact.objects.get(pk=contact.pk).email, "key 'test1'")


def test_missing_key_names_the_setting(contact):
    with override_settings(WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=[generate_key_entry("new")]):
        with pytest.raises(DecryptionError, match="WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS"):
            Contact.objects.get(pk=contact.pk)
    with override_settings(WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=None):
        with pytest.raises(
            ConfigurationError, match="WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS is not set"
        ):
            Contact.objects.get(pk=contact.pk)


def test_equality_lookup_on_an_encrypted_field_is_refused(db):
    with pytest.raises(FieldError, match="blind index"):
        list(Contact.objects.filter(first_name="Jana"))


def test_blind_index_finds_an_address_whatever_its_case(contact):
    assert Contact.objects.by_email("  JANA.Novakova@Example.com ").get() == contact
    assert not Contact.objects.by_email("jana.novakova@example.co").exists()
    assert raw_column(contact, "email_index").startswith("test1$")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "is not set"),
        ([], "is not set"),
        (["nokeyid"], "must look like"),
        (["k1:" + base64.urlsafe_b64encode(b"short").decode()], "it must be at least 32 bytes"),
        (["k1:!!!notbase64"], "not valid base64"),
        (["bad id:" + base64.urlsafe_b64encode(os.urandom(32)).decode()], "invalid key id"),
        ([generate_key_entry("k1"), generate_key_entry("k1")], "appears twice"),
    ],
)
def test_bad_key_settings_are_explained(value, message):
    with pytest.raises(ConfigurationError, match=message) as excinfo:
        parse_keys(value, "ENCRYPTION_KEYS")
    assert "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS" in str(excinfo.value)


def test_keys_from_a_comma_separated_environment_string():
    first, second = generate_key_entry("a"), generate_key_entry("b")
    keys = parse_keys(f"{first}, {second}", "ENCRYPTION_KEYS")
    assert [k.id for k in keys] == ["a", "b"]
    cipher = Cipher(keys)
    token = Cipher(keys[1:]).encrypt(b"old", b"aad")
    assert cipher.decrypt(token, b"aad") == b"old"


def test_system_check_errors_outside_debug_and_warns_in_debug():
    with override_settings(DEBUG=False, WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=None):
        messages = check_encryption_keys()
        assert [type(m) for m in messages] == [Error]
        assert "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS" in messages[0].msg
    with override_settings(DEBUG=True, WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS=["k:" + "QQ" * 4]):
        messages = check_encryption_keys()
        assert [type(m) for m in messages] == [Warning]
        assert "WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS" in messages[0].msg
    assert check_encryption_keys() == []


def test_system_check_refuses_the_same_key_for_both_jobs():
    key = generate_key_entry("same")
    with override_settings(
        WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=[key], WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS=[key]
    ):
        assert [m.id for m in check_encryption_keys()] == ["wagtail_gdpr_mail.E003"]


def test_keygen_prints_usable_settings():
    lines = new_keys("2026a")
    assert (
        parse_keys(lines["WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS"], "ENCRYPTION_KEYS")[0].id == "2026a"
    )
    assert parse_keys(lines["WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS"], "BLIND_INDEX_KEYS")


# --- Key rotation --------------------------------------------------------------------


def test_rotation_add_key_rotate_remove_old_key(make_contact, purpose):
    from django.conf import settings

    old_enc = settings.WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS
    old_idx = settings.WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS
    contacts = [make_contact(f"rotate{i}@example.com", custom_fields={"n": i}) for i in range(7)]
    assign_purpose(contacts[0], purpose, source=ContactSource.ADMIN, evidence={"ip": IP})
    new_enc, new_idx = [generate_key_entry("k2")], [generate_key_entry("k2")]

    with override_settings(
        WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=new_enc + old_enc,
        WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS=new_idx + old_idx,
    ):
        # Before rotation: old values still read, and lookups still find old indexes.
        assert Contact.objects.by_email("rotate3@example.com").get().custom_fields == {"n": 3}
        out = io.StringIO()
        call_command("gdpr_mail_rotate_keys", batch_size=3, stdout=out)
        assert "Done: re-encrypted" in out.getvalue()
        again = io.StringIO()
        call_command("gdpr_mail_rotate_keys", stdout=again)
        assert "re-encrypted 0 rows" in again.getvalue()

    with override_settings(
        WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=new_enc, WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS=new_idx
    ):
        for i, original in enumerate(contacts):
            fresh = Contact.objects.by_email(f"ROTATE{i}@example.com").get()
            assert fresh.pk == original.pk
            assert fresh.email == f"rotate{i}@example.com"
            assert fresh.custom_fields == {"n": i}
            assert raw_column(fresh, "email").startswith("gm1$k2$")
        record = ConsentRecord.objects.get(contact=contacts[0])
        assert record.evidence["ip"] == IP


def test_rotation_resumes_after_an_interruption(make_contact):
    from django.conf import settings

    old = settings.WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS
    for i in range(5):
        make_contact(f"resume{i}@example.com")
    new = [generate_key_entry("k3")]
    with override_settings(WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=new + old):
        # Simulate an interrupted run: one row was already rotated by hand.
        first = Contact.objects.order_by("pk").first()
        first.save()
        out = io.StringIO()
        call_command("gdpr_mail_rotate_keys", dry_run=True, stdout=out)
        assert "would re-encrypt 4 rows" in out.getvalue()
        call_command("gdpr_mail_rotate_keys", stdout=io.StringIO())
    with override_settings(WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=new):
        assert sorted(c.email for c in Contact.objects.all()) == [
            f"resume{i}@example.com" for i in range(5)
        ]


# --- The test of truth: no plaintext in a raw dump -------------------------------------


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlite_file_and_dump_hold_no_plaintext(purpose, tmp_path):
    make_personal_contact(purpose)
    dump = sqlite_dump()
    assert "gm1$test1$" in dump  # the data is there, encrypted
    assert_no_plaintext(dump)
    # The database file itself, byte for byte.
    raw = sqlite_file_bytes(tmp_path)
    assert b"gm1$test1$" in raw
    assert_no_plaintext(raw.decode("utf-8", errors="replace"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_holds_no_plaintext(purpose):
    need(database_is_postgres(), "PostgreSQL")
    make_personal_contact(purpose)
    dump = pg_dump()
    assert "gm1$test1$" in dump
    assert_no_plaintext(dump)

"""The consent chain is keyed (WAGTAIL_GDPR_MAIL_CHAIN_KEYS) and its heads are sealed."""

from __future__ import annotations

import hashlib
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Warning
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.helpers.keygen import new_keys
from wagtail_gdpr_mail.checks import check_chain_keys
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.consent.verify import chain_problems
from wagtail_gdpr_mail.crypto import generate_key_entry, parse_keys
from wagtail_gdpr_mail.exceptions import ConfigurationError
from wagtail_gdpr_mail.models import GENESIS_HASH, ConsentChainHead, ConsentRecord, ContactSource
from wagtail_gdpr_mail.models.consent import canonical_json

relink = importlib.import_module(
    "wagtail_gdpr_mail.migrations.0008_consent_chain_keys"
).link_under_chain_key


@pytest.fixture
def history(contact, make_purpose):
    """A contact with three consent records: given, given, revoked."""
    first, _ = assign_purpose(contact, make_purpose("Partner offers"), source=ContactSource.FORM)
    assign_purpose(contact, make_purpose("Webinars"), source=ContactSource.FORM)
    revoke_assignment(first, reason="withdrawn")
    return contact


def test_records_are_linked_with_hmac_under_the_first_chain_key(history):
    key = parse_keys(settings.WAGTAIL_GDPR_MAIL_CHAIN_KEYS, "CHAIN_KEYS")[0]
    records = list(history.consent_records.order_by("pk"))
    for record in records:
        unkeyed = hashlib.sha256(
            canonical_json({**record.chained_content(), "previous_hash": record.previous_hash})
        ).hexdigest()
        assert record.chain_key_id == key.id
        assert record.record_hash == record.compute_hash() != unkeyed
    head = ConsentChainHead.objects.get(contact=history)
    assert (head.record_count, head.head_hash) == (3, records[-1].record_hash)


def test_rotating_the_chain_key_keeps_old_records_verifiable(history, purpose):
    old = settings.WAGTAIL_GDPR_MAIL_CHAIN_KEYS
    new = generate_key_entry("2027")
    with override_settings(WAGTAIL_GDPR_MAIL_CHAIN_KEYS=[new, *old]):
        assign_purpose(history, purpose, source=ContactSource.ADMIN)
        assert history.consent_records.latest("pk").chain_key_id == "2027"
        assert list(chain_problems(history.pk)) == []
    with override_settings(WAGTAIL_GDPR_MAIL_CHAIN_KEYS=[new]):
        problems = list(chain_problems(history.pk))
    assert len(problems) == 3 and all("which is not in" in p for p in problems), problems


def test_writing_consent_without_a_chain_key_fails_loudly(contact, purpose):
    with override_settings(WAGTAIL_GDPR_MAIL_CHAIN_KEYS=None), pytest.raises(ConfigurationError):
        assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    assert not ConsentRecord.objects.exists()


def test_bulk_writer_moves_every_head_in_a_fixed_number_of_queries(make_contact, purpose):
    assignments = [
        assign_purpose(make_contact(), purpose, source=ContactSource.IMPORT)[0] for _ in range(20)
    ]

    def records():
        return [
            ConsentRecord(
                contact_id=a.contact_id,
                assignment=a,
                purpose=purpose,
                purpose_revision_id=purpose.latest_revision_id,
                event=ConsentRecord.Event.NOTICE_SENT,
                source=a.source,
                occurred_at=timezone.now(),
                evidence={"notice": "expiry"},
            )
            for a in assignments
            for _ in range(2)
        ]

    with CaptureQueriesContext(connection) as queries:
        ConsentRecord.objects.append_many(records())
    # lock, heads, insert, upsert of heads (+ savepoint statements); on PostgreSQL the
    # insert takes new ids, and both COPY rows (COPY is not in the query log), and the
    # heads go through a staging table: ids, staging, upsert
    assert (
        len([q for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]) <= 5
    )
    heads = ConsentChainHead.objects.filter(contact_id__in=[a.contact_id for a in assignments])
    assert sorted(heads.values_list("record_count", flat=True)) == [3] * 20
    assert all(not list(chain_problems(a.contact_id)) for a in assignments)


# --- System check and keygen ------------------------------------------------------------


def test_system_check_requires_a_chain_key_outside_debug():
    with override_settings(DEBUG=False, WAGTAIL_GDPR_MAIL_CHAIN_KEYS=None):
        messages = check_chain_keys()
    assert [(type(m), m.id) for m in messages] == [(Error, "wagtail_gdpr_mail.E020")]
    assert "WAGTAIL_GDPR_MAIL_CHAIN_KEYS" in messages[0].msg
    with override_settings(DEBUG=True, WAGTAIL_GDPR_MAIL_CHAIN_KEYS=["k:" + "QQ" * 4]):
        assert [type(m) for m in check_chain_keys()] == [Warning]
    assert check_chain_keys() == []


def test_system_check_refuses_a_chain_key_shared_with_encryption():
    with override_settings(WAGTAIL_GDPR_MAIL_CHAIN_KEYS=settings.WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS):
        assert [m.id for m in check_chain_keys()] == ["wagtail_gdpr_mail.E021"]


def test_keygen_prints_a_chain_key():
    lines = new_keys("2026a")
    assert parse_keys(lines["WAGTAIL_GDPR_MAIL_CHAIN_KEYS"], "CHAIN_KEYS")[0].id == "2026a"


# --- The data migration from plain SHA-256 ----------------------------------------------


def make_legacy(contact) -> list[ConsentRecord]:
    """Turn ``contact``'s chain into what releases before the keyed chain wrote."""
    records = list(contact.consent_records.order_by("pk"))
    previous = GENESIS_HASH
    for record in records:
        record.previous_hash, record.chain_key_id = previous, ""
        record.record_hash = hashlib.sha256(
            canonical_json({**record.chained_content(), "previous_hash": previous})
        ).hexdigest()
        previous = record.record_hash
    ConsentRecord.objects.bulk_update(records, ["previous_hash", "record_hash", "chain_key_id"])
    ConsentChainHead.objects.filter(contact=contact).delete()
    return records


def test_migration_relinks_intact_legacy_chains_under_the_key(history, make_contact, purpose):
    broken = make_contact()
    assign_purpose(broken, purpose, source=ContactSource.ADMIN)
    make_legacy(history)
    tampered = make_legacy(broken)[0]
    ConsentRecord.objects.filter(pk=tampered.pk).update(source=ContactSource.IMPORT)
    assert list(chain_problems(history.pk))  # unkeyed and unanchored before the migration
    relink(apps, connection.schema_editor())
    assert list(chain_problems(history.pk)) == []
    assert set(history.consent_records.values_list("chain_key_id", flat=True)) == {"test1"}
    # A chain that was already broken is not laundered: it stays unkeyed and reported.
    problems = list(chain_problems(broken.pk))
    assert any("is not keyed" in p for p in problems), problems


def test_migration_without_a_chain_key_stops_with_a_clear_message(history):
    make_legacy(history)
    with (
        override_settings(WAGTAIL_GDPR_MAIL_CHAIN_KEYS=None),
        pytest.raises(ConfigurationError, match="0008.*WAGTAIL_GDPR_MAIL_CHAIN_KEYS"),
    ):
        relink(apps, connection.schema_editor())


@pytest.mark.parametrize("head", [GENESIS_HASH, hashlib.sha256(b"x").hexdigest(), 'not-hex"\\'])
def test_a_head_seal_is_the_hmac_of_the_canonical_json_of_the_head(head):
    """The bulk writer writes the head's JSON out by hand; it must be the canonical JSON
    the verifier and the seals already stored were computed over."""
    import hmac

    from wagtail_gdpr_mail.models.consent import head_seal

    key = parse_keys(settings.WAGTAIL_GDPR_MAIL_CHAIN_KEYS, "CHAIN_KEYS")[0]
    content = {"anchor": "head", "contact": 123456789, "count": 42, "head": head}
    expected = hmac.new(key.secret, canonical_json(content), hashlib.sha256).hexdigest()
    assert head_seal(123456789, 42, head, key) == expected

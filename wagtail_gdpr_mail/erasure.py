"""The right to erasure: delete a contact, or anonymise it and keep the statistics.

*Delete* removes the contact and every row holding their personal data
(assignments, consent records, list memberships, pending signups for the
address). *Anonymise* wipes the personal fields of the contact and the
evidence of its consent records (IPs, user agents, texts), revokes its
purposes, and keeps the rows, so counts and statistics do not change and the
fact that a contact existed remains. Either way the address is suppressed (as a
keyed hash) unless ``WAGTAIL_GDPR_MAIL_SUPPRESS_ERASED`` is off, and the action
is written to the audit log without personal data. Both are irreversible.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from . import signals
from .conf import app_settings
from .crypto import email_blind_index_candidates
from .models import (
    GENESIS_HASH,
    ConsentRecord,
    Contact,
    PendingSignup,
    ProcessingPurpose,
    PurposeAssignment,
    Suppression,
)
from .models.consent import canonical_json
from .subscription import release_quiet_guard


class ErasureMode(enum.StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"


def _suppress(indexes: Iterable[str | None]) -> None:
    if not app_settings.SUPPRESS_ERASED:
        return
    existing = set(
        Suppression.objects.filter(address_index__in=[i for i in indexes if i]).values_list(
            "address_index", flat=True
        )
    )
    Suppression.objects.bulk_create(
        [
            Suppression(address_index=index, reason=Suppression.Reason.ERASED)
            for index in {i for i in indexes if i} - existing
        ],
        ignore_conflicts=True,
    )


def _pending_signups_for(contacts: list[Contact]):
    candidates: list[str] = []
    for contact in contacts:
        if contact.email:
            candidates += email_blind_index_candidates(contact.email)
    return PendingSignup.objects.filter(email_index__in=candidates)


def erase_contacts(contacts: Iterable[Contact], mode: str, *, user: Any = None) -> int:
    """Erase ``contacts`` by deletion or anonymisation, in one transaction. Returns the count."""
    mode = ErasureMode(mode)
    contacts = [c for c in contacts if not (mode is ErasureMode.ANONYMISE and c.is_anonymised)]
    if not contacts:
        return 0
    pks = [c.pk for c in contacts]
    with transaction.atomic():
        indexes = list(Contact.objects.filter(pk__in=pks).values_list("email_index", flat=True))
        _pending_signups_for(contacts).delete()
        _suppress(indexes)
        release_quiet_guard(indexes)
        # Log first: a deleted contact can no longer be named in the log.
        _log_erasure(contacts, mode, user)
        if mode is ErasureMode.DELETE:
            Contact.objects.filter(pk__in=pks).delete()
        else:
            _anonymise(pks)
        transaction.on_commit(
            lambda: signals.contact_erased.send(sender=Contact, contact_ids=pks, mode=str(mode))
        )
    return len(pks)


def _log_erasure(contacts: list[Contact], mode: ErasureMode, user: Any) -> None:
    """One audit entry per contact, written in one statement (Wagtail's ``log()``
    validates and saves each entry alone, which dominates a bulk erasure)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    content_type = ContentType.objects.get_for_model(Contact)
    now, batch = timezone.now(), uuid.uuid4()
    user_id = getattr(user, "pk", None) if user is not None and user.is_authenticated else None
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type=content_type,
                object_id=str(contact.pk),
                label=str(contact),
                action="wagtail_gdpr_mail.erase",
                data={"mode": str(mode)},
                timestamp=now,
                uuid=batch,
                user_id=user_id,
            )
            for contact in contacts
        ],
        batch_size=1000,
    )


def _record_revocations(pks: list[int], now) -> None:
    """A "revoked" consent record for every purpose the erasure ends, chained per contact.

    Built in memory from one query, then inserted in bulk. The evidence is gone
    (the erasure wiped it), but its digest keeps the chain verifiable.
    """
    current = list(
        PurposeAssignment.objects.filter(contact_id__in=pks, revoked_at__isnull=True)
        .order_by("contact_id", "pk")
        .values("pk", "contact_id", "purpose_id", "source", "valid_from", "valid_until")
    )
    if not current:
        return
    last_hash = dict(
        Contact.objects.filter(pk__in={a["contact_id"] for a in current})
        .annotate(
            last=Subquery(
                ConsentRecord.objects.filter(contact=OuterRef("pk"))
                .order_by("-pk")
                .values("record_hash")[:1]
            )
        )
        .values_list("pk", "last")
    )
    revision_of = dict(
        ProcessingPurpose.objects.filter(pk__in={a["purpose_id"] for a in current}).values_list(
            "pk", "latest_revision_id"
        )
    )
    records = []
    for a in current:
        evidence = {
            "reason": PurposeAssignment.RevocationReason.ERASURE.value,
            "salt": secrets.token_hex(16),
        }
        record = ConsentRecord(
            contact_id=a["contact_id"],
            assignment_id=a["pk"],
            purpose_id=a["purpose_id"],
            purpose_revision_id=revision_of.get(a["purpose_id"]),
            event=ConsentRecord.Event.REVOKED,
            source=a["source"],
            occurred_at=now,
            valid_from=a["valid_from"],
            valid_until=a["valid_until"],
            evidence=None,
            evidence_digest=hashlib.sha256(canonical_json(evidence)).hexdigest(),
            previous_hash=last_hash.get(a["contact_id"]) or GENESIS_HASH,
        )
        record.record_hash = record.compute_hash()
        last_hash[a["contact_id"]] = record.record_hash
        records.append(record)
    ConsentRecord.objects.bulk_create(records, batch_size=1000)


def _anonymise(pks: list[int]) -> None:
    now = timezone.now()
    # Lock the contacts: nobody extends their consent chains while we do.
    list(Contact.objects.select_for_update().filter(pk__in=pks).values_list("pk", flat=True))
    _record_revocations(pks, now)
    # Queryset updates: one statement per table, whatever the number of contacts.
    # The empty strings are encrypted like any other value.
    Contact.objects.filter(pk__in=pks).update(
        email=None,
        email_index=None,
        first_name="",
        last_name="",
        custom_fields={},
        anonymised_at=now,
        updated_at=now,
    )
    PurposeAssignment.objects.filter(contact_id__in=pks, revoked_at__isnull=True).update(
        revoked_at=now, revocation_reason=PurposeAssignment.RevocationReason.ERASURE
    )
    # The evidence goes; its digest stays, so the hash chain still verifies.
    ConsentRecord.objects.filter(contact_id__in=pks).update(evidence=None)


def erase_contact(contact: Contact, mode: str, *, user: Any = None) -> None:
    erase_contacts([contact], mode, user=user)

"""The right to erasure: delete a contact, or anonymise it and keep the statistics.

*Delete* removes the contact and every row holding their personal data
(assignments, consent records, list memberships, pending signups for the
address, re-consent requests and notices). *Anonymise* wipes the personal fields of the contact and the
evidence of its consent records (IPs, user agents, texts), revokes its
purposes, ends its list memberships, and keeps the rows, so counts and statistics do not change and the
fact that a contact existed remains. Either way the address is suppressed (as a
keyed hash) unless ``WAGTAIL_GDPR_MAIL_SUPPRESS_ERASED`` is off, and the action
is written to the audit log without personal data. Both are irreversible.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import audit, signals
from ..conf import app_settings
from ..crypto import email_blind_index_candidates, is_unreadable
from ..models import (
    ConsentRecord,
    Contact,
    Delivery,
    InterestNotice,
    ListMembership,
    PendingSignup,
    ProcessingPurpose,
    PurposeAssignment,
    ReconsentRequest,
    Suppression,
)
from ..ratelimit import release_quiet_guard


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


def _pending_signups_for(contacts: list[Contact], indexes: list[str | None]):
    # The stored indexes too: they still find the signups of a contact whose
    # encrypted address no longer decrypts.
    candidates: list[str] = [i for i in indexes if i]
    for contact in contacts:
        if contact.email and not is_unreadable(contact.email):
            candidates += email_blind_index_candidates(contact.email)
    return PendingSignup.objects.filter(email_index__in=candidates)


def erase_contacts(
    contacts: Iterable[Contact],
    mode: str,
    *,
    user: Any = None,
    audit_data: dict[str, Any] | None = None,
) -> int:
    """Erase ``contacts`` by deletion or anonymisation, in one transaction. Returns the count.

    ``audit_data`` goes into every contact's audit entry (ids only, e.g. the run that erased).
    """
    mode = ErasureMode(mode)
    contacts = [c for c in contacts if not (mode is ErasureMode.ANONYMISE and c.is_anonymised)]
    if not contacts:
        return 0
    pks = [c.pk for c in contacts]
    with transaction.atomic():
        indexes = list(Contact.objects.filter(pk__in=pks).values_list("email_index", flat=True))
        _pending_signups_for(contacts, indexes).delete()
        # Re-consent requests and notices hold the mail as sent (names, links).
        ReconsentRequest.objects.filter(assignment__contact_id__in=pks).delete()
        InterestNotice.objects.filter(assignment__contact_id__in=pks).delete()
        _suppress(indexes)
        release_quiet_guard([c.email for c in contacts])
        # Log first: a deleted contact can no longer be named in the log.
        audit.log_many(
            contacts, audit.ERASE, user=user, data={**(audit_data or {}), "mode": str(mode)}
        )
        # Campaign deliveries keep their counts, not the link to the person.
        Delivery.objects.filter(contact_id__in=pks).update(contact=None)
        if mode is ErasureMode.DELETE:
            Contact.objects.filter(pk__in=pks).delete()
        else:
            _anonymise(pks)
        transaction.on_commit(
            lambda: signals.contact_erased.send(sender=Contact, contact_ids=pks, mode=str(mode))
        )
    return len(pks)


def _record_revocations(pks: list[int], now) -> None:
    """A "revoked" consent record for every purpose the erasure ends, through the
    chain writer in bulk. The evidence goes with the rest (the erasure wipes it);
    its digest keeps the chain verifiable."""
    current = list(
        PurposeAssignment.objects.filter(contact_id__in=pks, revoked_at__isnull=True)
        .order_by("contact_id", "pk")
        .values("pk", "contact_id", "purpose_id", "source", "valid_from", "valid_until")
    )
    revision_of = dict(
        ProcessingPurpose.objects.filter(pk__in={a["purpose_id"] for a in current}).values_list(
            "pk", "latest_revision_id"
        )
    )
    ConsentRecord.objects.append_many(
        [
            ConsentRecord(
                contact_id=a["contact_id"],
                assignment_id=a["pk"],
                purpose_id=a["purpose_id"],
                purpose_revision_id=revision_of.get(a["purpose_id"]),
                event=ConsentRecord.Event.REVOKED,
                source=a["source"],
                occurred_at=now,
                valid_from=a["valid_from"],
                valid_until=a["valid_until"],
                evidence={"reason": PurposeAssignment.RevocationReason.ERASURE.value},
            )
            for a in current
        ]
    )


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
    # Nobody is left to be a member: the stays end (their dates remain, as counts do).
    ListMembership.objects.current().filter(contact_id__in=pks).update(left_at=now)


def erase_contact(contact: Contact, mode: str, *, user: Any = None) -> None:
    erase_contacts([contact], mode, user=user)

"""Giving and taking purposes: every change writes a consent record and an audit entry.

These functions are the one way the app changes a :class:`PurposeAssignment`;
forms, the admin, imports and the API all call them, so evidence, signals and
the audit log cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import signals
from ..audit import (
    ASSIGN_PURPOSE,
    ASSIGN_PURPOSE_TO_LIST,
    COMPLAINT,
    OBJECTION,
    REVOKE_PURPOSE,
    REVOKE_PURPOSE_BULK,
    UNSUBSCRIBE,
    WITHDRAW,
    log_action,
    user_id,
)
from ..models import (
    ConsentRecord,
    Contact,
    ContactList,
    ContactSource,
    ListMembership,
    ProcessingPurpose,
    PurposeAssignment,
)
from .bulk import revoke_many


class ValidFrom(TextChoices):
    """Where a bulk assignment's validity starts."""

    NOW = "now", _("Now")
    JOINED = "joined", _("The day each contact joined the list")
    DATE = "date", _("A chosen date")


@dataclass(frozen=True)
class BulkResult:
    assigned: int
    renewed: int

    @property
    def total(self) -> int:
        return self.assigned + self.renewed


#: The audit action of a revocation, by its reason: an editor's revoke, a
#: contact's own withdrawal or objection and an ESP complaint are told apart in the log.
REVOCATION_ACTIONS = {
    PurposeAssignment.RevocationReason.WITHDRAWN: WITHDRAW,
    PurposeAssignment.RevocationReason.OBJECTION: OBJECTION,
    PurposeAssignment.RevocationReason.COMPLAINT: COMPLAINT,
    PurposeAssignment.RevocationReason.UNSUBSCRIBED: UNSUBSCRIBE,
}


def assign_purpose(
    contact: Contact,
    purpose: ProcessingPurpose,
    *,
    source: str,
    valid_from: datetime | None = None,
    user: Any = None,
    evidence: dict[str, Any] | None = None,
    audit: bool = True,
    purpose_revision_id: int | None = None,
) -> tuple[PurposeAssignment, bool]:
    """Give ``contact`` the ``purpose`` from ``valid_from`` (default now).

    Valid until ``valid_from`` plus the purpose's retention. If the contact
    already holds the purpose (not revoked), the assignment is renewed instead of
    doubled. Returns ``(assignment, created)``.
    """
    valid_from = valid_from or timezone.now()
    valid_until = purpose.valid_until_from(valid_from)
    with transaction.atomic():
        current = (
            PurposeAssignment.objects.select_for_update()
            .filter(contact=contact, purpose=purpose)
            .current()
            .first()
        )
        if current is None:
            assignment = PurposeAssignment.objects.create(
                contact=contact,
                purpose=purpose,
                valid_from=valid_from,
                valid_until=valid_until,
                source=source,
            )
            event, created = ConsentRecord.Event.GIVEN, True
            details: dict[str, Any] = {}
        else:
            assignment = current
            details = {
                "previous_valid_from": current.valid_from.isoformat(),
                "previous_valid_until": current.valid_until.isoformat()
                if current.valid_until
                else None,
            }
            assignment.valid_from = min(current.valid_from, valid_from)
            assignment.valid_until = valid_until
            assignment.source = source
            # A new validity: its lapse (if any) is recorded afresh.
            assignment.expiry_recorded_at = None
            assignment.save(
                update_fields=["valid_from", "valid_until", "source", "expiry_recorded_at"]
            )
            event, created = ConsentRecord.Event.RENEWED, False
        record = ConsentRecord.objects.append(
            contact=contact,
            purpose=purpose,
            assignment=assignment,
            event=event,
            source=source,
            actor_user_id=user_id(user),
            evidence={**details, **(evidence or {})},
            purpose_revision_id=purpose_revision_id,
        )
        if audit:
            log_action(
                contact,
                ASSIGN_PURPOSE,
                user=user,
                data={"purpose_id": purpose.pk, "assignment_id": assignment.pk, "event": event},
            )
        transaction.on_commit(
            lambda: signals.consent_given.send(
                sender=PurposeAssignment, assignment=assignment, record=record, created=created
            )
        )
    return assignment, created


@dataclass(frozen=True)
class BulkRevocation:
    revoked: int
    skipped: int


def _editor_evidence(editor_reason: str, note: str) -> dict[str, Any]:
    # The note is free text and may name the person: it lives only in the
    # (encrypted) evidence, never on the assignment or in the audit log.
    found = {"editor_reason": editor_reason} if editor_reason else {}
    return {**found, "note": note} if note else found


def revoke_assignment(
    assignment: PurposeAssignment,
    *,
    reason: str,
    user: Any = None,
    evidence: dict[str, Any] | None = None,
    editor_reason: str = "",
    note: str = "",
) -> bool:
    """Revoke ``assignment``; the row stays as evidence. False if it was already revoked.

    ``editor_reason`` (a :class:`PurposeAssignment.EditorReason`) and ``note`` say
    why an editor revoked; both go into the consent record, the reason also onto
    the assignment.
    """
    with transaction.atomic():
        locked = PurposeAssignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.revoked_at is not None:
            return False
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason
        locked.editor_reason = editor_reason
        locked.save(update_fields=["revoked_at", "revocation_reason", "editor_reason"])
        assignment.revoked_at, assignment.revocation_reason = locked.revoked_at, reason
        assignment.editor_reason = editor_reason
        record = ConsentRecord.objects.append(
            contact=locked.contact,
            purpose=locked.purpose,
            assignment=locked,
            event=ConsentRecord.Event.REVOKED,
            source=locked.source,
            actor_user_id=user_id(user),
            evidence={
                "reason": reason,
                **_editor_evidence(editor_reason, note),
                **(evidence or {}),
            },
        )
        log_action(
            locked.contact,
            REVOCATION_ACTIONS.get(reason, REVOKE_PURPOSE),
            user=user,
            data={
                "purpose_id": locked.purpose_id,
                "assignment_id": locked.pk,
                "reason": reason,
                **({"editor_reason": editor_reason} if editor_reason else {}),
            },
        )
        transaction.on_commit(
            lambda: signals.consent_revoked.send(
                sender=PurposeAssignment, assignment=locked, record=record
            )
        )
    return True


def assign_purpose_to_list(
    contact_list: ContactList,
    purpose: ProcessingPurpose,
    *,
    valid_from: str = ValidFrom.NOW,
    date: datetime | None = None,
    user: Any = None,
    source: str = ContactSource.ADMIN,
) -> BulkResult:
    """Give ``purpose`` to every (not anonymised) contact of ``contact_list``, in one transaction.

    Only current members count. ``valid_from`` is "now", "joined" (the day each
    contact joined the list, for their current stay in it)
    or "date" (``date``). One audit entry is written for the list; each contact
    gets its own consent record.
    """
    if valid_from == ValidFrom.DATE and date is None:
        raise ValueError("A chosen date is required when valid_from is 'date'.")
    now = timezone.now()
    assigned = renewed = 0
    memberships = (
        ListMembership.objects.current()
        .filter(contact_list=contact_list, contact__anonymised_at__isnull=True)
        .select_related("contact")
        .order_by("pk")
    )
    with transaction.atomic():
        for membership in memberships.iterator(chunk_size=500):
            start = {
                ValidFrom.NOW: now,
                ValidFrom.JOINED: membership.added_at,
                ValidFrom.DATE: date,
            }[ValidFrom(valid_from)]
            _assignment, created = assign_purpose(
                membership.contact,
                purpose,
                source=source,
                valid_from=start,
                user=user,
                evidence={"bulk": {"list_id": contact_list.pk, "valid_from_mode": str(valid_from)}},
                audit=False,
            )
            if created:
                assigned += 1
            else:
                renewed += 1
        log_action(
            contact_list,
            ASSIGN_PURPOSE_TO_LIST,
            user=user,
            data={
                "purpose_id": purpose.pk,
                "valid_from": str(valid_from),
                "assigned": assigned,
                "renewed": renewed,
            },
        )
    return BulkResult(assigned=assigned, renewed=renewed)


def revoke_purpose_of_contacts(
    contact_ids: list[int],
    purpose: ProcessingPurpose,
    *,
    editor_reason: str,
    note: str = "",
    user: Any = None,
) -> BulkRevocation:
    """An editor revokes ``purpose`` from each of ``contact_ids`` that holds it, in one
    transaction: one consent record per assignment through the chain writer in bulk
    (``consent.bulk.revoke_many``), one audit entry (on the purpose) with the count.
    Contacts that do not hold the purpose (or no longer: a second submit) are skipped."""
    contact_ids = sorted(set(contact_ids))
    with transaction.atomic():
        revoked = revoke_many(
            purpose,
            contact_ids,
            reason=PurposeAssignment.RevocationReason.ADMIN,
            editor_reason=editor_reason,
            actor_user_id=user_id(user),
            evidence={**_editor_evidence(editor_reason, note), "bulk": True},
        ).revoked
        result = BulkRevocation(revoked=revoked, skipped=len(contact_ids) - revoked)
        if revoked:
            log_action(
                purpose,
                REVOKE_PURPOSE_BULK,
                user=user,
                data={"revoked": revoked, "editor_reason": editor_reason},
            )
    return result

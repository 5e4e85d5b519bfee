"""Assigning and revoking one purpose for a batch of contacts in a few statements.

The bulk twin of :func:`~wagtail_gdpr_mail.consent.assignments.assign_purpose` and
:func:`~wagtail_gdpr_mail.consent.assignments.revoke_assignment`: the same rows,
the same consent records (through the chain writer, ``append_many``), the same
signals, but a batch of contacts costs a handful of queries instead of a handful
per contact. The caller writes the one audit entry for the whole operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..models import ConsentRecord, ProcessingPurpose, PurposeAssignment
from ..models.bulk_insert import id_set, insert_many


@dataclass(frozen=True)
class BatchResult:
    #: Contacts given the purpose anew / renewed / revoked.
    assigned: int = 0
    renewed: int = 0
    revoked: int = 0

    @property
    def changed(self) -> int:
        return self.assigned + self.renewed + self.revoked


def _record(assignment: PurposeAssignment, event: str, **kwargs: Any) -> ConsentRecord:
    return ConsentRecord(
        contact_id=assignment.contact_id,
        assignment=assignment,
        purpose_id=assignment.purpose_id,
        valid_from=assignment.valid_from,
        valid_until=assignment.valid_until,
        event=event,
        **kwargs,
    )


def assign_many(
    purpose: ProcessingPurpose,
    starts: dict[int, datetime],
    *,
    source: str,
    actor_user_id: int | None = None,
    evidence: dict[str, Any] | None = None,
) -> BatchResult:
    """Give ``purpose`` to the contacts ``starts`` names, each valid from its start.

    A contact already holding the purpose (not revoked) has it renewed, as
    ``assign_purpose`` does: valid from the earlier start, until the new end.
    """
    if not starts:
        return BatchResult()
    now = timezone.now()
    revision = purpose.current_revision()
    common = {
        "source": source,
        "occurred_at": now,
        "actor_user_id": actor_user_id,
        "purpose_revision_id": revision.pk if revision else None,
    }
    with transaction.atomic():
        current = {
            a.contact_id: a
            for a in PurposeAssignment.objects.select_for_update()
            .filter(contact_id__in=id_set(list(starts), PurposeAssignment), purpose=purpose)
            .current()
        }
        new = [
            PurposeAssignment(
                contact_id=contact_id,
                purpose=purpose,
                valid_from=start,
                valid_until=purpose.valid_until_from(start),
                source=source,
                created_at=now,
            )
            for contact_id, start in starts.items()
            if contact_id not in current
        ]
        insert_many(PurposeAssignment, new)
        records = [
            _record(a, ConsentRecord.Event.GIVEN, evidence=dict(evidence or {}), **common)
            for a in new
        ]
        renewed = []
        for contact_id, assignment in current.items():
            previous = {
                "previous_valid_from": assignment.valid_from.isoformat(),
                "previous_valid_until": (
                    assignment.valid_until.isoformat() if assignment.valid_until else None
                ),
            }
            start = starts[contact_id]
            assignment.valid_from = min(assignment.valid_from, start)
            assignment.valid_until = purpose.valid_until_from(start)
            assignment.source = source
            renewed.append(assignment)
            records.append(
                _record(
                    assignment,
                    ConsentRecord.Event.RENEWED,
                    evidence={**previous, **(evidence or {})},
                    **common,
                )
            )
        PurposeAssignment.objects.bulk_update(
            renewed, ["valid_from", "valid_until", "source"], batch_size=1000
        )
        ConsentRecord.objects.append_many(records)
        _send_after_commit(signals.consent_given, records, created=True)
    return BatchResult(assigned=len(new), renewed=len(renewed))


def revoke_many(
    purpose: ProcessingPurpose,
    contact_ids: list[int],
    *,
    reason: str,
    editor_reason: str = "",
    actor_user_id: int | None = None,
    evidence: dict[str, Any] | None = None,
) -> BatchResult:
    """Revoke ``purpose`` from the contacts that hold it (not revoked yet); the rows
    stay as evidence, each with a REVOKED consent record. The one bulk revocation:
    an editor's selection and bulk operations on segments and lists both use it."""
    now = timezone.now()
    with transaction.atomic():
        assignments = list(
            PurposeAssignment.objects.select_for_update()
            .filter(contact_id__in=id_set(contact_ids, PurposeAssignment), purpose=purpose)
            .current()
            .order_by("pk")
        )
        if not assignments:
            return BatchResult()
        PurposeAssignment.objects.filter(pk__in=id_set([a.pk for a in assignments])).update(
            revoked_at=now, revocation_reason=reason, editor_reason=editor_reason
        )
        revision = purpose.current_revision()
        records = []
        for assignment in assignments:
            assignment.revoked_at, assignment.revocation_reason = now, reason
            assignment.editor_reason = editor_reason
            records.append(
                _record(
                    assignment,
                    ConsentRecord.Event.REVOKED,
                    source=assignment.source,
                    occurred_at=now,
                    actor_user_id=actor_user_id,
                    purpose_revision_id=revision.pk if revision else None,
                    evidence={"reason": reason, **(evidence or {})},
                )
            )
        ConsentRecord.objects.append_many(records)
        _send_after_commit(signals.consent_revoked, records)
    return BatchResult(revoked=len(assignments))


def _send_after_commit(signal: Any, records: list[ConsentRecord], **extra: Any) -> None:
    if not signal.has_listeners(PurposeAssignment):
        return

    def send() -> None:
        for record in records:
            kwargs = dict(extra)
            if "created" in kwargs:
                kwargs["created"] = record.event == ConsentRecord.Event.GIVEN
            signal.send(
                sender=PurposeAssignment, assignment=record.assignment, record=record, **kwargs
            )

    transaction.on_commit(send)

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
from ..models.bulk_insert import id_set, insert_rows
from ..models.consent_rows import RECORD_COLUMNS, NewRecord

# The columns of a new assignment (the others keep their defaults: not revoked).
_ASSIGNMENT_COLUMNS = (
    "contact_id",
    "purpose_id",
    "valid_from",
    "valid_until",
    "source",
    "created_at",
    "revocation_reason",
    "editor_reason",
)


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


def _new_record(
    contact_id: int,
    assignment_id: int,
    purpose_id: int,
    valid_from: datetime,
    valid_until: datetime | None,
    event: str,
    common: dict[str, Any],
    evidence: dict[str, Any],
) -> NewRecord:
    return NewRecord(
        contact_id=contact_id,
        assignment_id=assignment_id,
        purpose_id=purpose_id,
        valid_from=valid_from,
        valid_until=valid_until,
        event=event,
        evidence=evidence,
        **common,
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
    return assign_many_purposes(
        [(purpose, starts)], source=source, actor_user_id=actor_user_id, evidence=evidence
    )


def assign_many_purposes(
    grants: list[tuple[ProcessingPurpose, dict[int, datetime]]],
    *,
    source: str,
    actor_user_id: int | None = None,
    evidence: dict[str, Any] | None = None,
    new_contact_ids: frozenset[int] = frozenset(),
) -> BatchResult:
    """:func:`assign_many` for several purposes at once (an import's row may bring
    two): one transaction and one pass of the chain writer for all their records.
    ``new_contact_ids``: contacts created in the caller's transaction, which hold no
    assignment yet (not looked up)."""
    grants = [(purpose, starts) for purpose, starts in grants if starts]
    if not grants:
        return BatchResult()
    now = timezone.now()
    records: list[NewRecord] = []
    # Instances only for signal listeners: the new rows as (values, pk), the renewed ones.
    inserted: list[tuple[tuple[Any, ...], int]] = []
    assignments: dict[int, PurposeAssignment] = {}
    assigned = renewed_count = 0
    with transaction.atomic():
        for purpose, starts in grants:
            revision = purpose.current_revision()
            common = {
                "source": source,
                "occurred_at": now,
                "actor_user_id": actor_user_id,
                "purpose_revision_id": revision.pk if revision else None,
            }
            ends: dict[datetime, datetime | None] = {}  # a batch has few distinct starts
            known = [c for c in starts if c not in new_contact_ids]
            current = {
                a.contact_id: a
                for a in (
                    PurposeAssignment.objects.select_for_update()
                    .filter(contact_id__in=id_set(known, PurposeAssignment), purpose=purpose)
                    .current()
                    if known
                    else ()
                )
            }
            new = []
            for contact_id, start in starts.items():
                if contact_id not in current:
                    if start not in ends:
                        ends[start] = purpose.valid_until_from(start)
                    new.append((contact_id, purpose.pk, start, ends[start], source, now, "", ""))
            new_ids = insert_rows(PurposeAssignment, _ASSIGNMENT_COLUMNS, new)
            inserted.extend(zip(new, new_ids, strict=True))
            records.extend(
                _new_record(
                    contact_id,
                    assignment_id,
                    purpose.pk,
                    start,
                    end,
                    ConsentRecord.Event.GIVEN,
                    common,
                    dict(evidence or {}),
                )
                for (contact_id, _p, start, end, *_rest), assignment_id in zip(
                    new, new_ids, strict=True
                )
            )
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
                assignments[assignment.pk] = assignment
                records.append(
                    _new_record(
                        contact_id,
                        assignment.pk,
                        purpose.pk,
                        assignment.valid_from,
                        assignment.valid_until,
                        ConsentRecord.Event.RENEWED,
                        common,
                        {**previous, **(evidence or {})},
                    )
                )
            PurposeAssignment.objects.bulk_update(
                renewed, ["valid_from", "valid_until", "source"], batch_size=1000
            )
            assigned += len(new)
            renewed_count += len(renewed)
        ConsentRecord.objects.append_rows(records)
        if signals.consent_given.has_listeners(PurposeAssignment):
            for values, pk in inserted:
                assignment = PurposeAssignment(
                    pk=pk, **dict(zip(_ASSIGNMENT_COLUMNS, values, strict=True))
                )
                assignment._state.adding = False
                assignments[pk] = assignment
            _send_after_commit(
                signals.consent_given, _as_records(records, assignments), created=True
            )
    return BatchResult(assigned=assigned, renewed=renewed_count)


def _as_records(
    rows: list[NewRecord], assignments: dict[int, PurposeAssignment]
) -> list[ConsentRecord]:
    """The written records as model instances, each with its assignment (for signals)."""
    records = []
    for row in rows:
        record = ConsentRecord(
            pk=row.pk,
            **{name: getattr(row, name) for name in RECORD_COLUMNS},
        )
        record.assignment = assignments[row.assignment_id]
        record._state.adding = False
        records.append(record)
    return records


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

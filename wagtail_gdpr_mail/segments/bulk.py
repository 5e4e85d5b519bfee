"""Bulk operations: one purpose assigned or revoked for a segment, a list or a selection.

An operation is a row (:class:`~wagtail_gdpr_mail.models.BulkOperation`) worked
off in batches of contacts in id order. Each batch commits its assignments, their
consent records and the operation's progress (the last contact id done) in one
transaction, so a worker killed mid-way resumes at the next batch and nothing is
done twice. The finished operation writes one audit entry with the count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..audit import BULK_ASSIGN, BULK_REVOKE, log_action, user_id
from ..consent.bulk import BatchResult, assign_many, revoke_many
from ..models import (
    BulkOperation,
    Contact,
    ContactList,
    ListMembership,
    ProcessingPurpose,
    PurposeAssignment,
    Segment,
)
from ..models.bulk_insert import id_set
from ..models.contacts import ContactQuerySet
from .rules import segment_contacts

#: Contacts per batch (and per transaction).
BATCH_SIZE = 5000


def target_contacts(operation: BulkOperation) -> ContactQuerySet:
    """Who the operation is for (never anonymised contacts); nobody if its segment or
    list was deleted meanwhile."""
    if operation.target == BulkOperation.Target.SEGMENT:
        if operation.segment is None:
            return Contact.objects.none()
        return segment_contacts(operation.segment)
    if operation.target == BulkOperation.Target.LIST:
        if operation.contact_list is None:
            return Contact.objects.none()
        return Contact.objects.not_anonymised().in_list(operation.contact_list)
    ids = [i for i in operation.selected_ids if isinstance(i, int)]
    return Contact.objects.not_anonymised().filter(pk__in=ids)


def create_operation(
    *,
    kind: str,
    purpose: ProcessingPurpose,
    user: Any = None,
    segment: Segment | None = None,
    contact_list: ContactList | None = None,
    selected_ids: list[int] | None = None,
    valid_from_mode: str = BulkOperation.ValidFrom.NOW,
    valid_from_date: datetime | None = None,
    note: str = "",
    reason: str = "",
) -> BulkOperation:
    """Record an operation (not started: ``segments.tasks.start`` queues it)."""
    if segment is not None:
        target = BulkOperation.Target.SEGMENT
    elif selected_ids is not None:
        target = BulkOperation.Target.SELECTION
    else:
        target = BulkOperation.Target.LIST
    if valid_from_mode == BulkOperation.ValidFrom.DATE and valid_from_date is None:
        raise ValueError("A chosen date is required when valid_from_mode is 'date'.")
    if valid_from_mode == BulkOperation.ValidFrom.JOINED and contact_list is None:
        raise ValueError("The list whose join dates count is required for 'joined'.")
    operation = BulkOperation(
        kind=kind,
        purpose=purpose,
        target=target,
        segment=segment,
        contact_list=contact_list,
        selected_ids=sorted(set(selected_ids or [])),
        valid_from_mode=valid_from_mode,
        valid_from_date=valid_from_date,
        note=note,
        reason=reason,
        user=user if user_id(user) else None,
    )
    operation.total = target_contacts(operation).count()
    operation.save()
    return operation


def _starts(operation: BulkOperation, ids: list[int]) -> dict[int, datetime]:
    mode = operation.valid_from_mode
    if mode == BulkOperation.ValidFrom.DATE:
        return dict.fromkeys(ids, operation.valid_from_date)
    if mode == BulkOperation.ValidFrom.JOINED:
        # Contacts not (or no longer) in the list have no join date: they are skipped.
        return dict(
            ListMembership.objects.current()
            .filter(
                contact_list_id=operation.contact_list_id,
                contact_id__in=id_set(ids, ListMembership),
            )
            .values_list("contact_id", "added_at")
        )
    # "Now" is the moment the operation was asked for, the same for every batch.
    return dict.fromkeys(ids, operation.created_at)


def _evidence(operation: BulkOperation) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "bulk": {
            "operation_id": operation.pk,
            "target": operation.target,
            "segment_id": operation.segment_id,
            "list_id": operation.contact_list_id,
            "valid_from_mode": operation.valid_from_mode,
        }
    }
    if operation.note:
        evidence["note"] = operation.note
    return evidence


def _process(operation: BulkOperation, ids: list[int]) -> tuple[BatchResult, int]:
    actor = operation.user_id
    if operation.kind == BulkOperation.Kind.REVOKE:
        result = revoke_many(
            operation.purpose,
            ids,
            reason=PurposeAssignment.RevocationReason.ADMIN,
            editor_reason=operation.reason,
            actor_user_id=actor,
            evidence=_evidence(operation),
        )
        return result, len(ids) - result.revoked
    starts = _starts(operation, ids)
    result = assign_many(
        operation.purpose,
        starts,
        source="admin",
        actor_user_id=actor,
        evidence=_evidence(operation),
    )
    return result, len(ids) - len(starts)


def run_batch(operation_id: int, batch_size: int = BATCH_SIZE) -> bool:
    """Process the next batch; False when the operation is finished (or was already)."""
    with transaction.atomic():
        operation = (
            BulkOperation.objects.select_for_update(of=("self",))
            .select_related("purpose", "segment", "contact_list")
            .get(pk=operation_id)
        )
        if operation.state in (BulkOperation.State.DONE, BulkOperation.State.FAILED):
            return False
        if operation.started_at is None:
            operation.started_at = timezone.now()
        operation.state = BulkOperation.State.RUNNING
        ids = list(
            target_contacts(operation)
            .filter(pk__gt=operation.cursor)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            _finish(operation)
            return False
        result, skipped = _process(operation, ids)
        operation.cursor = ids[-1]
        operation.done += len(ids)
        operation.total = max(operation.total, operation.done)
        operation.changed += result.changed
        operation.skipped += skipped
        operation.save(
            update_fields=["state", "started_at", "cursor", "done", "total", "changed", "skipped"]
        )
        return True


def _finish(operation: BulkOperation) -> None:
    operation.state = BulkOperation.State.DONE
    operation.finished_at = timezone.now()
    operation.total = operation.done
    operation.save(update_fields=["state", "started_at", "finished_at", "total"])
    log_action(
        operation,
        BULK_REVOKE if operation.kind == BulkOperation.Kind.REVOKE else BULK_ASSIGN,
        user=operation.user,
        data={
            "operation_id": operation.pk,
            "purpose_id": operation.purpose_id,
            "target": operation.target,
            "segment_id": operation.segment_id,
            "list_id": operation.contact_list_id,
            "valid_from": operation.valid_from_mode,
            "reason": operation.reason,
            "count": operation.changed,
            "processed": operation.done,
            "skipped": operation.skipped,
        },
    )


def run(operation_id: int, batch_size: int = BATCH_SIZE) -> None:
    """Work the operation off, batch after batch (what the task runs)."""
    while run_batch(operation_id, batch_size):
        pass

"""Expiry that enforces itself, and the evidence that it did.

An assignment stops counting as valid the moment its ``valid_until`` passes:
every validity query (``PurposeAssignment.objects.valid_at()``, the contact
filters, ``is_valid_at()``) compares with the clock, so nothing waits for a job.
What the daily task adds is the proof: one "expired" consent record per lapsed
assignment, written exactly once, through the one chain writer.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

from ..conf import app_settings
from ..locking import write_transaction
from ..models import ConsentRecord, PurposeAssignment


class _Raced(Exception):
    """Another run marked some of the batch first (backends without SKIP LOCKED)."""


def record_expiries(
    when: datetime | None = None,
    *,
    batch_size: int | None = None,
    max_records: int | None = None,
) -> int:
    """Write one "expired" consent record per assignment lapsed by ``when`` (default now).

    Works in batches of ``batch_size`` (one transaction each) and stops after
    ``max_records``: a run is bounded, and the next one carries on where it
    stopped, because each assignment is marked in the transaction that writes
    its record. Returns how many records were written.
    """
    when = when or timezone.now()
    batch_size = batch_size or app_settings.EXPIRY_BATCH_SIZE
    max_records = app_settings.EXPIRY_MAX_PER_RUN if max_records is None else max_records
    written = races = 0
    while written < max_records:
        try:
            count = _record_batch(when, min(batch_size, max_records - written))
        except _Raced:
            races += 1
            if races > 3:
                break  # another run is at it; leave the rest to it or to tomorrow
            continue
        written += count
        if count == 0:
            break
    return written


def _record_batch(when: datetime, size: int) -> int:
    # On SQLite the write lock is taken first, so a second run waits, then reads afresh.
    with write_transaction():
        lapsed = (
            PurposeAssignment.objects.lapsed_without_record(when)
            .select_related("purpose")
            .order_by("pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            # Two workers at once: each takes rows the other has not locked.
            lapsed = lapsed.select_for_update(skip_locked=True, of=("self",))
        batch = list(lapsed[:size])
        if not batch:
            return 0
        now = timezone.now()
        # Conditional, so that a run that read the same rows (no row locks, e.g.
        # SQLite) finds them taken and rolls back instead of writing twice.
        marked = PurposeAssignment.objects.filter(
            pk__in=[a.pk for a in batch], expiry_recorded_at__isnull=True
        ).update(expiry_recorded_at=now)
        if marked != len(batch):
            raise _Raced
        purposes = {a.purpose_id: a.purpose for a in batch}
        revisions = {pk: purpose.current_revision().pk for pk, purpose in purposes.items()}
        ConsentRecord.objects.append_many(
            [
                ConsentRecord(
                    contact_id=a.contact_id,
                    assignment=a,
                    purpose_id=a.purpose_id,
                    purpose_revision_id=revisions[a.purpose_id],
                    event=ConsentRecord.Event.EXPIRED,
                    source=a.source,
                    # When the consent lapsed, not when the task noticed.
                    occurred_at=a.valid_until,
                    valid_from=a.valid_from,
                    valid_until=a.valid_until,
                    evidence={"recorded_at": now.isoformat(), "by": "expiry"},
                )
                for a in batch
            ]
        )
    return len(batch)

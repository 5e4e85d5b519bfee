"""Snapshots of static segments: who was in the segment, and when, kept as evidence."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import F

from ..audit import SEGMENT_SNAPSHOT, log_action, user_id
from ..models import Segment, SegmentSnapshot, SegmentSnapshotMember
from .rules import rules_queryset


def take_snapshot(segment: Segment, *, user: Any = None) -> SegmentSnapshot:
    """Evaluate the segment's rules now and keep the matching contact ids: one
    ``INSERT … SELECT`` in the database, whatever the size."""
    members = rules_queryset(segment.rules, segment.match).not_anonymised()
    sql, params = (
        members.order_by().annotate(member_id=F("pk")).values("member_id").query.sql_with_params()
    )
    table = connection.ops.quote_name(SegmentSnapshotMember._meta.db_table)
    with transaction.atomic():
        snapshot = SegmentSnapshot.objects.create(segment=segment, taken_by_id=user_id(user))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (snapshot_id, contact_id) "  # noqa: S608 - our table
                f"SELECT %s, matching.member_id FROM ({sql}) matching",
                [snapshot.pk, *params],
            )
            snapshot.size = cursor.rowcount
        snapshot.save(update_fields=["size"])
        log_action(
            segment,
            SEGMENT_SNAPSHOT,
            user=user,
            data={"snapshot_id": snapshot.pk, "count": snapshot.size},
        )
    return snapshot

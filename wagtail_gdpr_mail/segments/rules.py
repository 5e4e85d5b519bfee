"""Rules -> one queryset: every rule is a ContactQuerySet primitive, combined with & / |.

Django merges querysets of one model combined with ``&`` and ``|`` into a single
WHERE clause, so a segment is one SQL query of ``EXISTS`` subqueries, whatever
the number of rules; nothing loops over contacts in Python.

A rule whose purpose or list was deleted does not crash: "has / member of / expires"
then matches nobody and "lacks" matches everybody (nobody holds a deleted purpose).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import Contact, CustomFieldIndex, Segment, SegmentSnapshotMember
from ..models.contacts import ContactQuerySet
from ..models.segments import Match
from .custom_fields import digest_candidates

#: A chosen snippet whose row is gone (the block gives None, the raw data an id).
MISSING = object()


def _chosen(value: Any, raw: Any, name: str) -> Any:
    """The chosen purpose/list, None when left empty, MISSING when deleted."""
    chosen = value.get(name) if value is not None else None
    if chosen is not None:
        return chosen
    raw_id = raw.get(name) if isinstance(raw, dict) else None
    return MISSING if raw_id else None


def _start_of(day: Any) -> datetime | None:
    if isinstance(day, datetime):
        return day
    if not isinstance(day, date):
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def _end_after(day: Any) -> datetime | None:
    """The exclusive end of an inclusive day."""
    start = _start_of(day)
    return None if start is None else start + timedelta(days=1)


def _days(value: Any) -> int:
    try:
        return max(0, min(36500, int(value.get("days") or 0)))
    except (TypeError, ValueError):
        return 0


def _purpose_rule(method: str, *, missing_matches_all: bool = False, any_if_empty: bool = False):
    def rule(qs: ContactQuerySet, value: Any, raw: Any, now: datetime) -> ContactQuerySet:
        purpose = _chosen(value, raw, "purpose")
        if purpose is MISSING or (purpose is None and not any_if_empty):
            return qs if missing_matches_all else qs.none()
        if method in ("with_purpose_expiring_within", "expired_within"):
            return getattr(qs, method)(_days(value), purpose, when=now)
        return getattr(qs, method)(purpose, when=now)

    return rule


def _list_rule(qs: ContactQuerySet, value: Any, raw: Any, now: datetime) -> ContactQuerySet:
    contact_list = _chosen(value, raw, "contact_list")
    if contact_list is None or contact_list is MISSING:
        return qs.none()
    return qs.in_list(contact_list)


def _joined_rule(qs: ContactQuerySet, value: Any, raw: Any, now: datetime) -> ContactQuerySet:
    contact_list = _chosen(value, raw, "contact_list")
    if contact_list is None or contact_list is MISSING:
        return qs.none()
    return qs.joined_list_between(
        contact_list, _start_of(value.get("start")), _end_after(value.get("end"))
    )


def _created_rule(qs: ContactQuerySet, value: Any, raw: Any, now: datetime) -> ContactQuerySet:
    return qs.created_between(_start_of(value.get("start")), _end_after(value.get("end")))


def _source_rule(qs: ContactQuerySet, value: Any, raw: Any, now: datetime) -> ContactQuerySet:
    return qs.filter(source=str(value.get("source") or ""))


def _custom_field_rule(qs: ContactQuerySet, value: Any, raw: Any, now: datetime) -> ContactQuerySet:
    candidates = digest_candidates(str(value.get("key") or ""), value.get("value"))
    if not candidates:
        return qs.none()
    return qs.filter(
        Exists(CustomFieldIndex.objects.filter(contact=OuterRef("pk"), digest__in=candidates))
    )


def _suppressed_rule(qs: ContactQuerySet, value: Any, raw: Any, now: datetime) -> ContactQuerySet:
    return qs.not_suppressed() if value.get("suppressed") == "no" else qs.suppressed()


Rule = Callable[[ContactQuerySet, Any, Any, datetime], ContactQuerySet]

RULES: dict[str, Rule] = {
    "no_valid_purpose": lambda qs, value, raw, now: qs.without_any_valid_purpose(now),
    "has_purpose": _purpose_rule("with_valid_purpose"),
    "lacks_purpose": _purpose_rule("without_valid_purpose", missing_matches_all=True),
    "expires_within": _purpose_rule("with_purpose_expiring_within", any_if_empty=True),
    "expired_within": _purpose_rule("expired_within", any_if_empty=True),
    "in_list": _list_rule,
    "joined_list": _joined_rule,
    "created_between": _created_rule,
    "source": _source_rule,
    "custom_field": _custom_field_rule,
    "suppressed": _suppressed_rule,
}


def _raw_items(stream: Any) -> list[Any]:
    raw = getattr(stream, "raw_data", None)
    if raw is None:
        return [None] * len(stream)
    return [item.get("value") if isinstance(item, dict) else None for item in raw]


def _evaluate(items: list[tuple[Any, Any]], match: str, now: datetime) -> ContactQuerySet:
    """Rules ``(child, raw)`` combined with ``match``. Under "any", the "has valid
    purpose" rules become one ``with_any_valid_purpose`` (one semi-join)."""
    base = Contact.objects.all()
    parts, any_of = [], []
    for child, raw in items:
        if child.block_type not in RULES:
            continue
        purpose = (
            _chosen(child.value, raw, "purpose") if child.block_type == "has_purpose" else None
        )
        if match == Match.ANY and purpose not in (None, MISSING):
            any_of.append(purpose)
        else:
            parts.append(RULES[child.block_type](base, child.value, raw, now))
    if any_of:
        parts.append(base.with_any_valid_purpose(any_of, when=now))
    return _combine(parts, match)


def _items(stream: Any) -> list[tuple[Any, Any]]:
    return list(zip(stream, _raw_items(stream), strict=False))


def _combine(parts: list[ContactQuerySet], match: str) -> ContactQuerySet:
    base = Contact.objects.all()
    if not parts:
        return base if match != Match.ANY else base.none()
    return reduce(operator.or_ if match == Match.ANY else operator.and_, parts)


def rules_queryset(rules: Any, match: str = Match.ALL, *, now: datetime | None = None):
    """The contacts that ``rules`` (a StreamValue of rule blocks) select, as one queryset."""
    now = now or timezone.now()
    top, parts = [], []
    for child, raw in _items(rules):
        if child.block_type == "group":
            group = child.value
            parts.append(_evaluate(_items(group["rules"]), group.get("match") or Match.ANY, now))
        else:
            top.append((child, raw))
    if not parts:
        return _evaluate(top, match, now)
    if top:
        parts.insert(0, _evaluate(top, match, now))
    return _combine(parts, match)


def segment_contacts(segment: Segment, *, now: datetime | None = None) -> ContactQuerySet:
    """The segment's contacts (never anonymised ones): live rules for a dynamic segment,
    the latest snapshot for a static one (nobody before the first snapshot)."""
    if segment.is_static:
        snapshot = segment.latest_snapshot()
        if snapshot is None:
            return Contact.objects.none()
        members = SegmentSnapshotMember.objects.filter(snapshot=snapshot, contact=OuterRef("pk"))
        return Contact.objects.not_anonymised().filter(Exists(members))
    return rules_queryset(segment.rules, segment.match, now=now).not_anonymised()

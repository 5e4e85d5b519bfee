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


def _id(value: Any, name: str) -> int | None:
    """The chosen purpose / list as its id (as stored), None when left empty."""
    try:
        return int(value.get(name)) if value.get(name) not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _day(value: Any, name: str) -> date | None:
    day = value.get(name)
    if isinstance(day, str) and day:
        try:
            return date.fromisoformat(day[:10])
        except ValueError:
            return None
    return day if isinstance(day, date) else None


def _start_of(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


def _end_after(day: date | None) -> datetime | None:
    """The exclusive end of an inclusive day."""
    start = _start_of(day)
    return None if start is None else start + timedelta(days=1)


def _days(value: Any) -> int:
    try:
        return max(0, min(36500, int(value.get("days") or 0)))
    except (TypeError, ValueError):
        return 0


# Rules read the stored (raw) form of a block: ids, not objects. A rule on a deleted
# purpose or list thus needs no look-up and matches what the data says: nobody holds
# a deleted purpose (assignments protect it) and a deleted list has no members.


def _has(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    purpose = _id(value, "purpose")
    return qs.none() if purpose is None else qs.with_valid_purpose(purpose, when=now)


def _lacks(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    purpose = _id(value, "purpose")
    return qs if purpose is None else qs.without_valid_purpose(purpose, when=now)


def _expires(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    return qs.with_purpose_expiring_within(_days(value), _id(value, "purpose"), when=now)


def _expired(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    return qs.expired_within(_days(value), _id(value, "purpose"), when=now)


def _in_list(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    contact_list = _id(value, "contact_list")
    return qs.none() if contact_list is None else qs.in_list(contact_list)


def _joined(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    contact_list = _id(value, "contact_list")
    if contact_list is None:
        return qs.none()
    return qs.joined_list_between(
        contact_list, _start_of(_day(value, "start")), _end_after(_day(value, "end"))
    )


def _created(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    return qs.created_between(_start_of(_day(value, "start")), _end_after(_day(value, "end")))


def _source(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    return qs.filter(source=str(value.get("source") or ""))


def _custom_field(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    candidates = digest_candidates(str(value.get("key") or ""), value.get("value"))
    if not candidates:
        return qs.none()
    return qs.filter(
        Exists(CustomFieldIndex.objects.filter(contact=OuterRef("pk"), digest__in=candidates))
    )


def _suppressed(qs: ContactQuerySet, value: Any, now: datetime) -> ContactQuerySet:
    return qs.not_suppressed() if value.get("suppressed") == "no" else qs.suppressed()


Rule = Callable[[ContactQuerySet, Any, datetime], ContactQuerySet]

RULES: dict[str, Rule] = {
    "no_valid_purpose": lambda qs, value, now: qs.without_any_valid_purpose(now),
    "has_purpose": _has,
    "lacks_purpose": _lacks,
    "expires_within": _expires,
    "expired_within": _expired,
    "in_list": _in_list,
    "joined_list": _joined,
    "created_between": _created,
    "source": _source,
    "custom_field": _custom_field,
    "suppressed": _suppressed,
}


def _raw(stream: Any) -> list[tuple[str, dict[str, Any]]]:
    """(block type, stored value) of each rule: a StreamValue's raw data, or a list of
    dicts as stored."""
    items = getattr(stream, "raw_data", stream) or []
    found = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("type"), str):
            value = item.get("value")
            found.append((item["type"], value if isinstance(value, dict) else {}))
    return found


def _evaluate(items: list[tuple[str, dict]], match: str, now: datetime) -> ContactQuerySet:
    """Rules combined with ``match``. Under "any", the "has valid purpose" rules become
    one ``with_any_valid_purpose`` (one semi-join instead of one probe each)."""
    base = Contact.objects.all()
    parts, any_of = [], []
    for block_type, value in items:
        if block_type == "group":
            inner = _raw(value.get("rules"))
            parts.append(_evaluate(inner, value.get("match") or Match.ANY, now))
        elif block_type == "has_purpose" and match == Match.ANY and _id(value, "purpose"):
            any_of.append(_id(value, "purpose"))
        elif block_type in RULES:
            parts.append(RULES[block_type](base, value, now))
    if any_of:
        parts.append(base.with_any_valid_purpose(any_of, when=now))
    if not parts:
        return base if match != Match.ANY else base.none()
    return reduce(operator.or_ if match == Match.ANY else operator.and_, parts)


def rules_queryset(rules: Any, match: str = Match.ALL, *, now: datetime | None = None):
    """The contacts that ``rules`` (a StreamValue of rule blocks) select, as one queryset.

    Groups nest one level in the editor; here any depth would work the same way.
    """
    return _evaluate(_raw(rules), match, now or timezone.now())


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

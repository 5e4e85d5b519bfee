"""The breach register (Art. 33(5)): the 72-hour clock, the affected contacts as a segment,
and the entry as the supervisory authority asks for it (printable HTML and JSON).

The register's entries hold no personal data of the contacts: counts and
categories only. Who was affected is a segment (``Breach.affected_segment``): a
static one keeps who they were, and it can be the target of a campaign that tells them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Breach
from ..segments.rules import segment_contacts
from .controller import controller_details

#: The register entry's fields, in the order of Art. 33(3), with the labels the
#: printable export shows (the JSON uses the keys).
EXPORT_FIELDS: tuple[tuple[str, Any], ...] = (
    ("title", _("Title")),
    ("discovered_at", _("Found at")),
    ("occurred_from", _("Happened from")),
    ("occurred_until", _("Happened until")),
    ("description", _("What happened")),
    ("data_categories", _("Categories of personal data")),
    ("subject_categories", _("Categories of people")),
    ("approx_subjects", _("Approximate number of people")),
    ("approx_records", _("Approximate number of records")),
    ("consequences", _("Likely consequences")),
    ("measures", _("Measures taken or proposed")),
    ("risk", _("Risk to people")),
    ("authority_notified", _("Supervisory authority notified")),
    ("authority_notified_at", _("Notified at")),
    ("authority_reference", _("Authority's reference")),
    ("delay_reasons", _("Reasons for the delay")),
    ("subjects_informed", _("People told (Art. 34)")),
    ("subjects_informed_at", _("Told at")),
    ("subjects_informed_how", _("How the people were told")),
)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def affected_count(breach: Breach) -> int | None:
    """Contacts in the breach's affected segment (its latest snapshot when static)."""
    if breach.affected_segment is None:
        return None
    return segment_contacts(breach.affected_segment).count()


def breach_export(breach: Breach, *, now: datetime | None = None) -> dict[str, Any]:
    """The register entry as the authority asks for it (no personal data of contacts)."""
    now = now or timezone.now()
    entry = {name: _iso(getattr(breach, name)) for name, _label in EXPORT_FIELDS}
    entry["risk_label"] = str(breach.get_risk_display())
    revisions = [
        {"id": r.pk, "saved_at": _iso(r.created_at)}
        for r in breach.revisions.order_by("created_at", "pk")
    ]
    return {
        "register": "GDPR Art. 33(5) personal data breach register",
        "id": breach.pk,
        **entry,
        "notification_deadline": _iso(breach.notification_deadline),
        "notified_within_72_hours": (
            None if not breach.authority_notified_at else not breach.notified_late
        ),
        "affected_contacts_in_segment": affected_count(breach),
        "controller": controller_details(),
        "revisions": revisions,
        "generated_at": _iso(now),
    }


def export_rows(breach: Breach) -> list[tuple[Any, Any]]:
    """(label, value) pairs for the printable export."""
    rows = []
    for name, label in EXPORT_FIELDS:
        value = getattr(breach, name)
        if name == "risk":
            value = breach.get_risk_display()
        elif isinstance(value, bool):
            value = gettext("Yes") if value else gettext("No")
        rows.append((label, value))
    return rows


def format_time_left(left: timedelta) -> str:
    """“31 hours 5 minutes left” or “overdue by 2 hours 10 minutes”."""
    minutes = int(abs(left).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    span = gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if left.total_seconds() >= 0:
        return gettext("%(span)s left") % {"span": span}
    return gettext("overdue by %(span)s") % {"span": span}

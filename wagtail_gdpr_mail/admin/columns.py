"""Listing columns of the app's admin: dates in one unambiguous format, purposes held."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import Column

from ..dates import format_date, format_datetime
from ..models import Contact


class LocalDateColumn(Column):
    """A date (or date and time) as ``dates.py`` writes it: ``2 Dec 2026`` / ``2. 12. 2026``.

    Wagtail's ``DateColumn`` says "3 days ago" with the locale's numeric date in a
    tooltip, which reads 12/02/2026 in English for 2 December.
    """

    def __init__(self, name: str, *, with_time: bool = False, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.with_time = with_time

    def get_value(self, instance: Any) -> str:
        value = super().get_value(instance)
        if not value:
            return ""
        return format_datetime(value) if self.with_time else format_date(value)


class LegalBasisColumn(Column):
    """What a purpose rests on: "Consent", "Legal obligation"… (select ``legal_basis``)."""

    def __init__(self, name: str = "legal_basis", **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Legal basis"))
        kwargs.setdefault("accessor", lambda purpose: str(purpose.legal_basis))
        super().__init__(name, **kwargs)


class PurposesColumn(Column):
    """The purposes a contact holds validly now (prefetched by the index view)."""

    def get_value(self, instance: Contact) -> str:
        return ", ".join(a.purpose.name for a in instance.valid_assignments) or "—"


class ExpiresColumn(Column):
    """Which valid purpose lapses first, and when, from the prefetched assignments.

    ``Newsletter: 2 Dec 2026``; several purposes lapsing the same day share the date;
    "No end date" when every valid purpose lasts without a limit.
    """

    def get_value(self, instance: Contact) -> str:
        assignments = instance.valid_assignments
        if not assignments:
            return "—"
        ending = [a for a in assignments if a.valid_until is not None]
        if not ending:
            return _("No end date")
        first = min(a.valid_until for a in ending)
        first_day = format_date(first)
        names = sorted(a.purpose.name for a in ending if format_date(a.valid_until) == first_day)
        return _("%(purposes)s: %(date)s") % {"purposes": ", ".join(names), "date": first_day}

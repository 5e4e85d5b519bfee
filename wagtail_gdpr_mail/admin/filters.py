"""Filters of the contact listing, named for what they keep.

One "Purpose status" select reads as a sentence ("Has a valid purpose:
Newsletter", "Has no valid purpose at all"); the expiry window takes whole days;
"Created between" uses Wagtail's date range picker. Values that make no sense
are refused with the field's message (``ContactIndexView`` then shows no
contacts rather than all of them).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext, gettext_lazy, pgettext
from wagtail.admin.active_filters import DateFromToRangeFilterAdapter, register_filter_adapter_class
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from ..conf import app_settings
from ..dates import format_date
from ..models import Contact, ContactList, ContactSource, ProcessingPurpose
from ..segments.filters import SegmentFilter

#: The longest expiry window accepted, in days (a century).
MAX_DAYS = 36500
ANY_VALID = "any"
NO_VALID = "none"
VALID_PREFIX = "valid-"


def purpose_status_choices() -> list[tuple[str, str]]:
    """ "Has a valid purpose: any", one line per purpose, "Has no valid purpose at all"."""
    label = gettext("Has a valid purpose: %(purpose)s")
    return [
        (ANY_VALID, label % {"purpose": pgettext("purpose", "any")}),
        *(
            (f"{VALID_PREFIX}{pk}", label % {"purpose": name})
            for pk, name in ProcessingPurpose.objects.order_by("name").values_list("pk", "name")
        ),
        (NO_VALID, gettext("Has no valid purpose at all")),
    ]


class WholeNumberFilter(django_filters.NumberFilter):
    """Whole numbers only: ``2.5`` or ``1e400`` get "Enter a whole number"."""

    field_class = forms.IntegerField


class LocalDateRangeFilter(django_filters.DateFromToRangeFilter):
    """Wagtail's date range, its active-filter label in ``dates.py``'s format."""


class LocalDateRangeFilterAdapter(DateFromToRangeFilterAdapter):
    # Wagtail writes the label in DATE_FORMAT ("Dec. 2, 2026"); the rest of the admin says
    # "2 Dec 2026".
    def format_value(self, value: Any) -> str:
        return format_date(value) if value is not None else str(self.empty_value_label)


register_filter_adapter_class(LocalDateRangeFilter, LocalDateRangeFilterAdapter, exact_class=True)


class ContactFilterSet(WagtailFilterSet):
    segment = SegmentFilter()
    purpose_status = django_filters.ChoiceFilter(
        label=gettext_lazy("Purpose status"),
        choices=[],
        method="filter_purpose_status",
        empty_label=gettext_lazy("All contacts"),
        widget=forms.Select(attrs={"data-gdpr-mail-purpose-status": "", "style": "width: 100%"}),
    )
    expires_within = WholeNumberFilter(
        label=gettext_lazy("A purpose expires within (days)"),
        method="filter_expires_within",
        min_value=0,
        max_value=MAX_DAYS,
        help_text=gettext_lazy(
            "Contacts holding a valid purpose that lapses within this many days."
        ),
    )
    contact_list = django_filters.ModelChoiceFilter(
        label=gettext_lazy("List"),
        queryset=ContactList.objects.all(),
        method="filter_list",
        empty_label=gettext_lazy("Any list"),
        widget=forms.Select(attrs={"style": "width: 100%"}),
    )
    created_at = LocalDateRangeFilter(
        label=gettext_lazy("Created between"), widget=DateRangePickerWidget
    )
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("Source"), choices=ContactSource.choices
    )

    class Meta:
        model = Contact
        fields = ["source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per request: purposes and the warning window may change while the site runs.
        self.filters["purpose_status"].extra["choices"] = purpose_status_choices()
        self.filters["expires_within"].field.widget.attrs["placeholder"] = str(
            app_settings.EXPIRY_WARNING_DAYS
        )

    def filter_list(self, queryset, name, value):
        return queryset.in_list(value) if value else queryset

    def filter_purpose_status(self, queryset, name, value):
        if value == NO_VALID:
            return queryset.without_any_valid_purpose()
        if value == ANY_VALID:
            return queryset.exclude(pk__in=queryset.without_any_valid_purpose().values("pk"))
        if value.startswith(VALID_PREFIX):
            return queryset.with_valid_purpose(int(value.removeprefix(VALID_PREFIX)))
        return queryset

    def filter_expires_within(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.with_purpose_expiring_within(value)

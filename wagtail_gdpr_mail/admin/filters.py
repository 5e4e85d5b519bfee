"""Filters of the contact listing."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet

from ..conf import app_settings
from ..models import Contact, ContactList, ContactSource, ProcessingPurpose


class ContactFilterSet(WagtailFilterSet):
    contact_list = django_filters.ModelChoiceFilter(
        label=gettext_lazy("List"),
        queryset=ContactList.objects.all(),
        method="filter_list",
    )
    purpose = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Holds valid purpose"),
        queryset=ProcessingPurpose.objects.all(),
        method="filter_purpose",
    )
    purpose_status = django_filters.ChoiceFilter(
        label=gettext_lazy("Purposes"),
        choices=[
            ("none", gettext_lazy("No valid purpose")),
            ("any", gettext_lazy("At least one valid purpose")),
        ],
        method="filter_purpose_status",
        empty_label=gettext_lazy("Any"),
    )
    expires_within = django_filters.NumberFilter(
        label=gettext_lazy("A purpose expires within (days)"),
        method="filter_expires_within",
        min_value=0,
        max_value=36500,
    )
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("Source"), choices=ContactSource.choices
    )

    class Meta:
        model = Contact
        fields = ["source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Suggest the site's usual warning window (read per request: settings may change).
        self.filters["expires_within"].field.widget.attrs["placeholder"] = str(
            app_settings.EXPIRY_WARNING_DAYS
        )

    def filter_list(self, queryset, name, value):
        return queryset.in_list(value) if value else queryset

    def filter_purpose(self, queryset, name, value):
        return queryset.with_valid_purpose(value) if value else queryset

    def filter_purpose_status(self, queryset, name, value):
        if value == "none":
            return queryset.without_any_valid_purpose()
        if value == "any":
            return queryset.exclude(pk__in=queryset.without_any_valid_purpose().values("pk"))
        return queryset

    def filter_expires_within(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.with_purpose_expiring_within(int(value))

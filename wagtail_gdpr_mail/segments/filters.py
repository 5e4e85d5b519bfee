"""A segment as a filter of the contact listing (to plug into its filterset)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from ..models import Segment
from .rules import segment_contacts


class SegmentFilter(django_filters.ModelChoiceFilter):
    """``?segment=<id>``: only the segment's contacts, in the same single query.

    Add it to a ``FilterSet`` of contacts: ``segment = SegmentFilter()``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Segment"))
        kwargs.setdefault("queryset", Segment.objects.all())
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs & segment_contacts(value)

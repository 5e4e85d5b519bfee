"""The contact listing: columns, the POST search by address, filters that say when they fail."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from wagtail.admin.ui.tables import TitleColumn
from wagtail.snippets.views.snippets import IndexView

from ..models import Contact, PurposeAssignment
from .columns import ExpiresColumn, PurposesColumn
from .paginator import LargeTablePaginator
from .search import ContactSearchForm, remembered_search


class ContactPaginator(LargeTablePaginator):
    estimate_label = ngettext_lazy("About %(count)s contact", "About %(count)s contacts", "number")


class ContactIndexView(IndexView):
    """The listing; finding by address is a POST (``admin/search.py``), never ``?q=``."""

    listing_template_name = "wagtail_gdpr_mail/admin/contact_index.html"
    is_searchable = False
    default_ordering = "-created_at"
    paginator_class = ContactPaginator

    def get_template_names(self) -> list[str]:
        # The viewset passes its generic index templates; the listing adds the search form.
        if self.results_only:
            return super().get_template_names()
        return [self.listing_template_name]

    @cached_property
    def searched_indexes(self) -> list[str] | None:
        return remembered_search(self.request)

    @cached_property
    def filters_invalid(self) -> bool:
        return bool(self.filters) and not self.filters.is_valid()

    def filter_queryset(self, queryset):
        if self.filters_invalid:
            # Wagtail would list everyone, as if unfiltered; show nobody and say why.
            return queryset.none()
        queryset = super().filter_queryset(queryset)
        if self.searched_indexes is not None:
            # Exact match only: the address is encrypted, its blind index answers equality.
            queryset = queryset.filter(email_index__in=self.searched_indexes)
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            email_search_form=ContactSearchForm(),
            email_search_url=reverse(Contact.snippet_viewset.get_url_name("search")),
            email_search_active=self.searched_indexes is not None,
            filters_invalid=self.filters_invalid,
        )
        return context

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        # A tie-breaker keeps pages stable and lets the (created_at, id) index serve them.
        if self.ordering in ("created_at", "-created_at"):
            queryset = queryset.order_by(self.ordering, "-pk" if self.ordering[0] == "-" else "pk")
        return queryset

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .prefetch_related(
                Prefetch(
                    "assignments",
                    queryset=PurposeAssignment.objects.valid_at().select_related("purpose"),
                    to_attr="valid_assignments",
                )
            )
        )

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        column_class = self._get_title_column_class(column_class)
        return column_class(
            "email",
            label=_("E-mail"),
            accessor="display_email",
            get_url=self.get_inspect_url,
            get_title_id=lambda instance: f"snippet_{instance.pk}_title",
        )

    @cached_property
    def columns(self):
        return [
            *super().columns,
            PurposesColumn("purposes", label=_("Valid purposes")),
            ExpiresColumn("expires", label=_("Expires first")),
        ]

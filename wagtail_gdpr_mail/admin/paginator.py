"""Paging a listing of a million rows: counts that stop early, pages found by key first.

Two costs grow with the table and not with the page:

* the count: ``COUNT(*)`` of a filtered listing (say, contacts without a valid purpose)
  visits every matching row. A filtered listing counts at most
  :attr:`LargeTablePaginator.exact_count_limit` rows; past that it shows the planner's
  estimate ("About 459,000 contacts"). The unfiltered count reads only the primary-key
  index and stays exact, so every page can be reached.
* the page: ``OFFSET`` walks and throws away every earlier row. The page's primary keys
  come first, from the ordering's index alone (no table rows read), then its rows by
  key; a page past the middle walks from the other end, in reverse order.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import ngettext_lazy
from wagtail.admin.paginator import WagtailPaginator

PK_ORDERINGS = {"pk", "-pk", "id", "-id"}


def estimated_count(queryset: QuerySet) -> int | None:
    """The planner's estimate of the rows ``queryset`` matches (PostgreSQL), else None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class LargeTablePaginator(WagtailPaginator):
    """A WagtailPaginator for tables of millions of rows (see the module docstring)."""

    #: A filtered listing counts up to this many rows exactly.
    exact_count_limit = 10_000

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not queryset.query.where:
            return super().count
        limited = queryset.order_by()[: self.exact_count_limit + 1].count()
        if limited <= self.exact_count_limit:
            return limited
        estimate = estimated_count(queryset)
        if estimate is None:
            return super().count
        self.count_is_estimate = True
        return max(limited, estimate)

    #: The label of an estimated count (``count``: the rounded, formatted figure).
    estimate_label = ngettext_lazy("About %(count)s item", "About %(count)s items", "number")

    @cached_property
    def items_count_label(self) -> str:
        if not self.count_is_estimate:
            return super().items_count_label
        # A rounded figure: the estimate is not exact, and must not look so.
        rounded = round(self.count, -3)
        return self.estimate_label % {
            "count": number_format(rounded, force_grouping=True),
            "number": rounded,
        }

    def page(self, number: Any):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or not queryset.ordered:
            return super().page(number)
        return self._get_page(self._rows(queryset, bottom, top), number, self)

    def _rows(self, queryset: QuerySet, bottom: int, top: int) -> list:
        ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
        keys = queryset.values_list("pk", flat=True)
        # Walking back from the end is only the same order reversed when the ordering
        # is total (ends with the primary key) and the count is exact.
        if (
            not self.count_is_estimate
            and bottom > self.count // 2
            and ordering
            and str(ordering[-1]) in PK_ORDERINGS
        ):
            pks = list(keys.reverse()[self.count - top : self.count - bottom])[::-1]
        else:
            pks = list(keys[bottom:top])
        by_pk = {obj.pk: obj for obj in queryset.filter(pk__in=pks)}
        return [by_pk[pk] for pk in pks if pk in by_pk]

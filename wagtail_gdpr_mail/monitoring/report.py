"""The admin report of access to personal data by user and day, with the recent alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.models import ModelLogEntry

from .. import audit
from ..models import AccessAlert
from ..spreadsheets import SafeCsvExportMixin

PERMISSION = "wagtail_gdpr_mail.view_access_report"
#: How far back the report looks.
REPORT_DAYS = 31


@dataclass(frozen=True)
class AccessDay:
    day: date
    user: str
    views: int
    exports: int
    erasures: int


def access_by_user_and_day(since: date) -> list[AccessDay]:
    """Views, exports (contacts exported) and erasures per editor and day, newest first."""
    entries = (
        ModelLogEntry.objects.filter(
            action__in=audit.ACCESS_ACTIONS,
            user_id__isnull=False,
            timestamp__date__gte=since,
        )
        .annotate(day=TruncDate("timestamp", tzinfo=timezone.get_current_timezone()))
        .values("day", "user_id")
        .annotate(
            views=Count("pk", filter=Q(action=audit.VIEW_CONTACT)),
            exports=Count("pk", filter=Q(action=audit.EXPORT)),
            bulk=Count("pk", filter=Q(action=audit.EXPORT_BULK)),
            erasures=Count("pk", filter=Q(action=audit.ERASE)),
        )
        .order_by("-day", "user_id")
    )
    rows = list(entries)
    bulk_sizes = _bulk_export_sizes(since) if any(row["bulk"] for row in rows) else {}
    users = get_user_model()._default_manager.in_bulk({row["user_id"] for row in rows})
    return [
        AccessDay(
            day=row["day"],
            user=users[row["user_id"]].get_username()
            if row["user_id"] in users
            else f"#{row['user_id']}",
            views=row["views"],
            exports=row["exports"] + bulk_sizes.get((row["day"], row["user_id"]), 0),
            erasures=row["erasures"],
        )
        for row in rows
    ]


def _bulk_export_sizes(since: date) -> dict[tuple[date, int], int]:
    """Contacts in the bulk exports, per day and editor (the count is in the entry's data)."""
    sizes: dict[tuple[date, int], int] = {}
    for entry in ModelLogEntry.objects.filter(
        action=audit.EXPORT_BULK, user_id__isnull=False, timestamp__date__gte=since
    ).only("timestamp", "user_id", "data"):
        key = (timezone.localdate(entry.timestamp), entry.user_id)
        sizes[key] = sizes.get(key, 0) + int((entry.data or {}).get("count", 0))
    return sizes


class AccessReportView(SafeCsvExportMixin, ReportView):
    page_title = _("Access to personal data")
    header_icon = "view"
    template_name = "wagtail_gdpr_mail/admin/access_report.html"
    index_url_name = "wagtail_gdpr_mail_access_report"
    index_results_url_name = "wagtail_gdpr_mail_access_report_results"
    paginate_by = 50
    list_export = ["day", "user", "views", "exports", "erasures"]
    export_headings = {
        "day": _("Day"),
        "user": _("User"),
        "views": _("Contacts viewed"),
        "exports": _("Contacts exported"),
        "erasures": _("Contacts erased"),
    }
    columns = [Column(name, label=label) for name, label in export_headings.items()]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> list[AccessDay]:
        return access_by_user_and_day(timezone.localdate() - timedelta(days=REPORT_DAYS - 1))

    def get_filename(self) -> str:
        return f"access-report-{timezone.localdate().isoformat()}"

    def to_row_dict(self, item: AccessDay) -> dict[str, Any]:
        return {name: getattr(item, name) for name in self.list_export}

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        since = timezone.now() - timedelta(days=REPORT_DAYS)
        context["alerts"] = AccessAlert.objects.filter(created_at__gte=since)[:50]
        context["report_days"] = REPORT_DAYS
        return context


class AccessReportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)


def access_report_menu_item() -> AccessReportMenuItem:
    return AccessReportMenuItem(
        _("Access to personal data"),
        reverse("wagtail_gdpr_mail_access_report"),
        name="gdpr-mail-access-report",
        icon_name="view",
        order=1510,
    )


def access_report_urls() -> list:
    return [
        path(
            "gdpr-mail/access-report/",
            AccessReportView.as_view(),
            name="wagtail_gdpr_mail_access_report",
        ),
        path(
            "gdpr-mail/access-report/results/",
            AccessReportView.as_view(results_only=True),
            name="wagtail_gdpr_mail_access_report_results",
        ),
    ]

"""Admin views of an import: upload → mapping → dry run → run with progress → report.

Every view asks for the "Can import contacts" permission; each step changes state
on POST only. The views only call :mod:`.run` and :mod:`.tasks`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied
from django.views.generic import View
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from ..exceptions import ImportFileError
from ..models import ImportJob
from ..spreadsheets import csv_lines
from . import run, tasks
from .forms import MappingForm, UploadForm
from .parsing import Table
from .rows import ERRORS

PERMISSION = "wagtail_gdpr_mail.import_contacts"
NAMESPACE = "wagtail_gdpr_mail_import"


def url_name(view: str) -> str:
    return f"{NAMESPACE}:{view}"


def can_import(user: Any) -> bool:
    return bool(user and user.is_active and user.has_perm(PERMISSION))


class ImportPermissionMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_import(request.user):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _header(title: str) -> dict[str, Any]:
    return {
        "header_title": title,
        "page_title": title,
        "header_icon": "upload",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse(url_name("upload")), "label": _("Import contacts")},
            {"url": "", "label": title},
        ],
    }


class UploadView(ImportPermissionMixin, View):
    """GET: the upload form and the recent imports; POST: store the file, go to mapping."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, UploadForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = run.create_job(form.cleaned_data["file"].chunks(), user=request.user)
            except ImportFileError as error:
                form.add_error("file", error.messages[0])
            else:
                return redirect(url_name("job"), job.pk)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/import_upload.html",
            {"form": form, "jobs": ImportJob.objects.all()[:20], **_header(_("Upload a file"))},
            status=status,
        )


def _preview(job: ImportJob) -> tuple[list[tuple[int, list[str]]], str]:
    """The first rows of the file (shown to the editor importing it), or why not."""
    try:
        table = Table(
            run.file_path(job),
            job.file_kind,
            job.headers,
            job.encoding,
            job.delimiter,
            _max_rows=10**9,
        )
        rows = table.preview(5)
    except (ImportFileError, OSError) as error:
        return [], getattr(error, "messages", [str(_("The file is gone."))])[0]
    return [(n, [c[:80] for c in cells]) for n, cells in rows], ""


def progress_data(job: ImportJob) -> dict[str, Any]:
    return {
        "state": job.state,
        "state_display": job.get_state_display(),
        "total": job.total_rows,
        "done": job.done,
        "changed": job.created + job.updated + job.invited,
        "skipped": job.skipped,
        "percent": job.percent,
        "finished": job.state == ImportJob.State.DONE,
    }


class JobView(ImportPermissionMixin, View):
    """One import at whatever step it is: mapping (POST runs the dry run), the dry
    run's result (POST starts the run), or the run's progress and report."""

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(ImportJob, pk=pk)
        if job.state == ImportJob.State.UPLOADED:
            return self._mapping(request, job, MappingForm(job=job))
        return self._status(request, job)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(ImportJob, pk=pk)
        action = request.POST.get("action")
        if job.state in (ImportJob.State.UPLOADED, ImportJob.State.CHECKED) and action == "check":
            form = MappingForm(request.POST, job=job)
            if not form.is_valid():
                return self._mapping(request, job, form, status=400)
            form.apply()
            try:
                run.check(job)
            except ImportFileError as error:
                form.add_error(None, error.messages[0])
                return self._mapping(request, job, form, status=400)
            return redirect(url_name("job"), job.pk)
        if job.state == ImportJob.State.CHECKED and action == "edit":
            job.state = ImportJob.State.UPLOADED
            job.save(update_fields=["state"])
            return redirect(url_name("job"), job.pk)
        if job.state == ImportJob.State.CHECKED and action == "start":
            with transaction.atomic():
                updated = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
                    state=ImportJob.State.QUEUED
                )
                if updated:  # a double click queues once
                    tasks.start(job)
            return redirect(url_name("job"), job.pk)
        if job.state == ImportJob.State.CHECKED and action == "cancel":
            run.delete_file(job)
            ImportJob.objects.filter(pk=job.pk).update(
                state=ImportJob.State.FAILED, failure=_("Cancelled before the run.")
            )
            return redirect(url_name("upload"))
        return redirect(url_name("job"), job.pk)

    def _mapping(
        self, request: HttpRequest, job: ImportJob, form: MappingForm, status: int = 200
    ) -> HttpResponse:
        preview, preview_error = _preview(job)
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/import_mapping.html",
            {
                "job": job,
                "form": form,
                "preview": preview,
                "preview_error": preview_error,
                **_header(_("Import #%(pk)s: columns and purposes") % {"pk": job.pk}),
            },
            status=status,
        )

    def _status(self, request: HttpRequest, job: ImportJob) -> HttpResponse:
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/import_status.html",
            {
                "job": job,
                "dry_run": job.dry_run or {},
                "errors": (job.dry_run or {}).get("errors", [])[:200],
                "error_texts": ERRORS,
                "progress": progress_data(job),
                "status_url": reverse(url_name("status"), args=[job.pk]),
                "report_url": reverse(url_name("report"), args=[job.pk]),
                **_header(_("Import #%(pk)s") % {"pk": job.pk}),
            },
        )


class StatusView(ImportPermissionMixin, View):
    """The run's progress as JSON (counts and state, nothing personal)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return JsonResponse(progress_data(get_object_or_404(ImportJob, pk=pk)))


class ReportView(ImportPermissionMixin, View):
    """The result report: a CSV line per row (row number, outcome, error, masked address)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(ImportJob, pk=pk)
        headings = {
            "row": _("Row"),
            "outcome": _("Outcome"),
            "code": _("Error code"),
            "error": _("Error"),
            "email": _("E-mail (masked)"),
        }
        response = StreamingHttpResponse(
            (
                line.encode("utf-8")
                for line in csv_lines(list(headings), headings, run.report_rows(job))
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
        return response


class ImportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_import(request.user)


class ImportViewSet(ViewSet):
    """ "Import contacts" in the GDPR mail menu."""

    name = NAMESPACE
    icon = "upload"
    menu_label = gettext_lazy("Import contacts")
    menu_name = "gdpr-mail-import"
    url_prefix = "gdpr-mail/import"

    @property
    def menu_item_class(self) -> type[MenuItem]:
        return ImportMenuItem

    def get_urlpatterns(self) -> list:
        return [
            path("", UploadView.as_view(), name="upload"),
            path("<int:pk>/", JobView.as_view(), name="job"),
            path("<int:pk>/status/", StatusView.as_view(), name="status"),
            path("<int:pk>/report/", ReportView.as_view(), name="report"),
        ]

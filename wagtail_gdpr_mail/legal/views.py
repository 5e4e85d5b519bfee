"""Admin views of the legal paperwork: agreements and their acceptance, the record of
processing activities, and a delete view for legal bases that refuses politely."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.defaults import permission_denied
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import PermissionCheckedMixin
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets.button import Button
from wagtail.models import Revision
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import DeleteView, InspectView

from ..models import DataProcessingAgreement, DpaAcceptance, ProcessingPurpose
from ..spreadsheets import SafeCsvExportMixin
from .agreements import AgreementChangedError, accept_agreement
from .ropa import ROPA_COLUMNS, Ropa, RopaActivity, build_ropa

APP = "wagtail_gdpr_mail"
DPA_DOCUMENT_TEMPLATE = "wagtail_gdpr_mail/legal/dpa_document.html"


# --- Data processing agreements -----------------------------------------------------


class DpaPermissionMixin(PermissionCheckedMixin):
    model = DataProcessingAgreement

    @cached_property
    def permission_policy(self):
        return self.model.snippet_viewset.permission_policy


class DpaInspectView(InspectView):
    """The agreement as text, whether this version is accepted, the "I agree" button and
    the record of earlier acceptances."""

    def get_template_names(self) -> list[str]:
        # The viewset passes its generic inspect templates; this view needs its own.
        return ["wagtail_gdpr_mail/legal/dpa_inspect.html"]

    def get_page_title(self) -> str:
        return _("Data processing agreement")

    def _url(self, name: str) -> str:
        return reverse(self.model.snippet_viewset.get_url_name(name), args=[self.object.pk])

    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(_("Print"), url=self._url("print"), icon_name="doc-full", priority=30),
            Button(
                _("Download HTML"), url=self._url("download"), icon_name="download", priority=40
            ),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        agreement: DataProcessingAgreement = self.object
        context.update(
            agreement=agreement,
            content_hash=agreement.content_hash,
            acceptance=agreement.current_acceptance(),
            acceptances=agreement.acceptances.select_related("revision"),
            can_accept=self.user_has_permission("accept"),
            accept_url=self._url("accept"),
            print_url=self._url("print"),
        )
        return context


class DpaAcceptView(DpaPermissionMixin, View):
    """POST: "I agree" to the agreement as it is now. GET is not allowed.

    Without the permission the answer is a plain 403, not the admin's usual
    redirect to the dashboard: nothing was accepted and the client should know.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        if not self.user_has_permission("accept"):
            return permission_denied(request, PermissionDenied())
        agreement = get_object_or_404(DataProcessingAgreement, pk=pk)
        inspect_url = reverse(
            DataProcessingAgreement.snippet_viewset.get_url_name("inspect"), args=[agreement.pk]
        )
        try:
            _acceptance, created = accept_agreement(
                agreement, request.user, expected_hash=request.POST.get("content_hash") or None
            )
        except AgreementChangedError:
            messages.error(
                request,
                _("The agreement was changed while you were reading it. Read it again, please."),
            )
            return redirect(inspect_url)
        if created:
            messages.success(request, _("You accepted this version of the agreement."))
        else:
            messages.info(request, _("This version of the agreement was already accepted."))
        return redirect(inspect_url)


class DpaDocumentView(DpaPermissionMixin, View):
    """The agreement as a stand-alone document: printable, or downloaded as an HTML file.

    ``?revision=<id>`` shows an earlier version, e.g. one that was accepted.
    """

    any_permission_required = ["add", "change", "delete", "view"]
    download = False

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        current = get_object_or_404(DataProcessingAgreement, pk=pk)
        agreement, revision = current, None
        if revision_id := request.GET.get("revision"):
            revision = (
                Revision.objects.for_instance(current)
                .filter(pk=revision_id if revision_id.isdigit() else None)
                .first()
            )
            if revision is None:
                raise Http404
            agreement = revision.as_object()
        content_hash = agreement.content_hash
        context = {
            "agreement": agreement,
            "content_hash": content_hash,
            "revision": revision or current.latest_revision,
            "is_current_version": revision is None or content_hash == current.content_hash,
            "acceptances": DpaAcceptance.objects.filter(
                agreement=current, content_hash=content_hash
            ).select_related("revision"),
            "generated_at": timezone.now(),
            "download": self.download,
        }
        response = TemplateResponse(request, DPA_DOCUMENT_TEMPLATE, context)
        if self.download:
            version = revision.pk if revision else current.latest_revision_id
            filename = f"{slugify(current.title) or 'dpa'}-v{version or 0}.html"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- Deleting what is still needed ------------------------------------------------


class InUseDeleteView(DeleteView):
    """A delete view that refuses, listing what is in the way, while the object is needed.

    The foreign keys in the way are ``on_delete=PROTECT``; without this view the
    database would refuse and the editor would see a server error. Subclasses
    say what blocks the deletion and what to do about it.
    """

    in_use_template_name = "wagtail_gdpr_mail/legal/delete_in_use.html"
    #: Why it cannot be deleted; ``%(object)s`` is the object.
    in_use_message = ""
    #: What the editor can do instead.
    in_use_help = ""

    def get_blockers(self) -> list[tuple[str, str | None]]:
        """What stops the deletion, as ``(label, admin URL or None)``."""
        raise NotImplementedError

    def get_alternative(self) -> tuple[str, str] | None:
        """What to do instead, as ``(button label, URL to POST to)``, or None."""
        return None

    @cached_property
    def blockers(self) -> list[tuple[str, str | None]]:
        return self.get_blockers()

    def get_template_names(self) -> list[str]:
        if self.blockers:
            return [self.in_use_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.blockers:
            context.update(
                is_protected=True,
                blockers=self.blockers,
                in_use_message=self.in_use_message % {"object": self.object},
                in_use_help=self.in_use_help,
                alternative=self.get_alternative(),
            )
        return context

    def _refuse(self) -> HttpResponse:
        messages.error(self.request, _("“%(object)s” cannot be deleted.") % {"object": self.object})
        return redirect(self.get_delete_url())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.blockers:
            return self._refuse()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        try:
            return super().form_valid(form)
        except ProtectedError:
            # Something started using it after the page was shown.
            return self._refuse()


class LegalBasisDeleteView(InUseDeleteView):
    """A legal basis that processing purposes use cannot be deleted; shows which ones."""

    in_use_message = gettext_lazy("“%(object)s” cannot be deleted: processing purposes use it.")
    in_use_help = gettext_lazy("Give these purposes another legal basis first, or keep this one.")

    def get_blockers(self) -> list[tuple[str, str | None]]:
        finder = AdminURLFinder(self.request.user)
        return [
            (purpose.name, finder.get_edit_url(purpose))
            for purpose in self.object.purposes.order_by("name")
        ]


class DpaDeleteView(InUseDeleteView):
    """An agreement that was ever accepted is evidence and cannot be deleted."""

    in_use_message = gettext_lazy(
        "“%(object)s” cannot be deleted: it was accepted, and acceptances are kept as evidence."
    )
    in_use_help = gettext_lazy(
        "Edit it instead: the new version needs a new acceptance, and the old ones stay on record."
    )

    def get_blockers(self) -> list[tuple[str, str | None]]:
        return [(str(acceptance), None) for acceptance in self.object.acceptances.all()]


# --- Record of processing activities -----------------------------------------------

ropa_permission_policy = ModelPermissionPolicy(ProcessingPurpose)
ROPA_PERMISSIONS = ["add", "change", "delete", "view"]


class RopaReportView(SafeCsvExportMixin, ReportView):
    """Art. 30 record of processing activities, one row per purpose, with XLSX/CSV export."""

    page_title = gettext_lazy("Record of processing activities")
    header_icon = "clipboard-list"
    template_name = "wagtail_gdpr_mail/legal/ropa_report.html"
    index_url_name = f"{APP}_ropa"
    index_results_url_name = f"{APP}_ropa_results"
    permission_policy = ropa_permission_policy
    any_permission_required = ROPA_PERMISSIONS
    paginate_by = None
    list_export = [key for key, _label in ROPA_COLUMNS]
    export_headings = dict(ROPA_COLUMNS)
    columns = [
        Column("purpose", label=gettext_lazy("Purpose")),
        Column("legal_basis_display", label=gettext_lazy("Legal basis")),
        Column("data_categories", label=gettext_lazy("Categories of personal data")),
        Column("retention", label=gettext_lazy("Time limit for erasure")),
        Column("proof_retention", label=gettext_lazy("Proof of consent kept")),
        Column("recipients_display", label=gettext_lazy("Recipients")),
        Column("transfers_display", label=gettext_lazy("Transfers outside the EU/EEA")),
    ]

    @cached_property
    def ropa(self) -> Ropa:
        return build_ropa()

    def get_queryset(self) -> list[RopaActivity]:
        return list(self.ropa.activities)

    def get_filename(self) -> str:
        return f"record-of-processing-{datetime.date.today().isoformat()}"

    def to_row_dict(self, item: RopaActivity) -> dict[str, str]:
        return self.ropa.row(item)

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        context["ropa"] = self.ropa
        context["controller_settings_url"] = _controller_settings_url()
        context["record_settings_url"] = reverse(
            "wagtailsettings:edit", args=[APP, "recordsettings"]
        )
        return context


def _controller_settings_url() -> str:
    return reverse("wagtailsettings:edit", args=[APP, "controllersettings"])


class RopaMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return ropa_permission_policy.user_has_any_permission(request.user, ROPA_PERMISSIONS)


def ropa_menu_item() -> RopaMenuItem:
    return RopaMenuItem(
        gettext_lazy("Record of processing"),
        reverse(f"{APP}_ropa"),
        name="record-of-processing",
        icon_name="clipboard-list",
        order=1500,
    )

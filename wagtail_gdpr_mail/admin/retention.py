"""The "Due for erasure" report (storage limitation) and the bulk erasure from it.

The report lists what :func:`~wagtail_gdpr_mail.rights.retention.due_for_erasure`
finds, with the reason and since how many days; it needs the permission to view
contacts. Erasing needs the erase permission: the selected rows, or all that are
due, go to a confirmation page (anonymise or delete) and then to
:func:`~wagtail_gdpr_mail.rights.retention.erase_due`, which looks again whether
each contact is still due, erases in batches and audits the run.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BaseColumn, Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from ..conf import app_settings
from ..models import Contact
from ..rights.erasure import ErasureMode
from ..rights.forms import EraseForm
from ..rights.retention import days_without_purpose, due_for_erasure, erase_due, storage_reason
from .permissions import ActionPermissionMixin, policy_for

URL_NAME = "wagtail_gdpr_mail_due_for_erasure"
RESULTS_URL_NAME = URL_NAME + "_results"
ERASE_URL_NAME = URL_NAME + "_erase"
#: The most contacts one selection may name (the report shows 50 a page; Django refuses
#: a request of more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``, 1000 by default).
MAX_SELECTED = 500


def _inspect_url(contact: Contact) -> str:
    return reverse(Contact.snippet_viewset.get_url_name("inspect"), args=[contact.pk])


class SelectColumn(BaseColumn):
    """A checkbox per row (``name="id"``) and one that selects the whole page."""

    header_template_name = "wagtail_gdpr_mail/admin/due_select_all_cell.html"
    cell_template_name = "wagtail_gdpr_mail/admin/due_select_cell.html"


class DueForErasureReportView(ActionPermissionMixin, ReportView):
    """Contacts without a valid purpose past the grace period, longest first."""

    page_title = gettext_lazy("Due for erasure")
    header_icon = "time"
    template_name = "wagtail_gdpr_mail/admin/due_for_erasure.html"
    results_template_name = "wagtail_gdpr_mail/admin/due_for_erasure_results.html"
    index_url_name = URL_NAME
    index_results_url_name = RESULTS_URL_NAME
    permission_required = "view"
    paginate_by = 50
    no_results_message = gettext_lazy(
        "No contact is due for erasure: every contact holds a valid purpose, or lost "
        "its last one within the grace period."
    )

    @cached_property
    def permission_policy(self):
        return policy_for(Contact)

    @cached_property
    def can_erase(self) -> bool:
        return self.permission_policy.user_has_permission(self.request.user, "erase")

    @cached_property
    def now(self):
        return timezone.now()

    def get_queryset(self):
        return due_for_erasure(now=self.now)

    @cached_property
    def columns(self) -> list[BaseColumn]:
        columns: list[BaseColumn] = [SelectColumn("select")] if self.can_erase else []
        return [
            *columns,
            TitleColumn(
                "email",
                label=_("E-mail"),
                accessor="display_email",
                get_url=_inspect_url,
                get_title_id=lambda contact: f"due_{contact.pk}_title",
            ),
            Column("reason", label=_("Reason"), accessor=storage_reason),
            Column(
                "days",
                label=_("Without a valid purpose"),
                accessor=lambda contact: (
                    ngettext(
                        "%(count)d day", "%(count)d days", days_without_purpose(contact, self.now)
                    )
                    % {"count": days_without_purpose(contact, self.now)}
                ),
            ),
        ]

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        mode = app_settings.STORAGE_AUTO_ERASE
        context.update(
            can_erase=self.can_erase,
            erase_url=reverse(ERASE_URL_NAME),
            grace_days=app_settings.STORAGE_GRACE_DAYS,
            auto_erase=mode,
            due_count=context["paginator"].count if context.get("paginator") else 0,
        )
        return context


class DueSelectionForm(forms.Form):
    """What the report sent: ``scope`` "all", or "selected" with the ``id`` of each row."""

    scope = forms.ChoiceField(choices=[("selected", "selected"), ("all", "all")])

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.raw_ids = data.getlist("id") if data is not None else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ids = sorted({int(i) for i in self.raw_ids if str(i).isdigit() and len(str(i)) < 19})
        if cleaned.get("scope") == "selected":
            if not ids:
                raise forms.ValidationError(_("Select at least one contact."))
            if len(ids) > MAX_SELECTED:
                raise forms.ValidationError(
                    _("Select at most %(max)d contacts, or erase all that are due.")
                    % {"max": MAX_SELECTED}
                )
        cleaned["ids"] = ids if cleaned.get("scope") == "selected" else None
        return cleaned


class EraseDueView(ActionPermissionMixin, View):
    """POST from the report: the confirmation page; POST with ``confirm``: erase."""

    permission_required = "erase"
    http_method_names = ["post"]

    @cached_property
    def permission_policy(self):
        return policy_for(Contact)

    def post(self, request: HttpRequest) -> HttpResponse:
        selection = DueSelectionForm(request.POST)
        if not selection.is_valid():
            for error in selection.non_field_errors() or [_("Choose what to erase.")]:
                messages.error(request, error)
            return redirect(URL_NAME)
        ids = selection.cleaned_data["ids"]
        form = EraseForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            return self.erase(request, form.cleaned_data["mode"], ids)
        due = due_for_erasure()
        if ids is not None:
            due = due.filter(pk__in=ids)
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/confirm_erase_due.html",
            {
                "form": form,
                "ids": ids,
                "scope": selection.cleaned_data["scope"],
                "due_count": due.count(),
                "contacts": list(due[:MAX_SELECTED]) if ids is not None else [],
                "report_url": reverse(URL_NAME),
                "header_title": _("Erase contacts due for erasure"),
                "header_icon": "bin",
                "breadcrumbs_items": [
                    {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                    {"url": reverse(URL_NAME), "label": _("Due for erasure")},
                    {"url": "", "label": _("Erase contacts due for erasure")},
                ],
            },
        )

    def erase(self, request: HttpRequest, mode: str, ids: list[int] | None) -> HttpResponse:
        run = erase_due(mode, user=request.user, ids=ids)
        if mode == ErasureMode.DELETE:
            message = ngettext(
                "%(count)d contact has been deleted.",
                "%(count)d contacts have been deleted.",
                run.erased,
            )
        else:
            message = ngettext(
                "%(count)d contact has been anonymised.",
                "%(count)d contacts have been anonymised.",
                run.erased,
            )
        messages.success(request, message % {"count": run.erased})
        kept = len(ids) - run.erased if ids is not None else 0
        if kept:
            messages.warning(
                request,
                ngettext(
                    "%(count)d selected contact was no longer due for erasure and was kept.",
                    "%(count)d selected contacts were no longer due for erasure and were kept.",
                    kept,
                )
                % {"count": kept},
            )
        return redirect(URL_NAME)


def due_for_erasure_urls() -> list:
    """For the ``register_admin_urls`` hook."""
    return [
        path("gdpr-mail/due-for-erasure/", DueForErasureReportView.as_view(), name=URL_NAME),
        path(
            "gdpr-mail/due-for-erasure/results/",
            DueForErasureReportView.as_view(results_only=True),
            name=RESULTS_URL_NAME,
        ),
        path("gdpr-mail/due-for-erasure/erase/", EraseDueView.as_view(), name=ERASE_URL_NAME),
    ]


class DueForErasureMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return policy_for(Contact).user_has_permission(request.user, "view")


def due_for_erasure_menu_item() -> DueForErasureMenuItem:
    """For the ``register_reports_menu_item`` hook."""
    return DueForErasureMenuItem(
        gettext_lazy("Due for erasure"),
        reverse(URL_NAME),
        name="due-for-erasure",
        icon_name="time",
        order=1600,
    )

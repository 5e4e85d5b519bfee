"""Admin views of the breach register: the entry with its 72-hour clock, and the entry for
the authority (printable HTML, JSON)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from wagtail.admin.views.generic import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import InspectView

from ..models import Breach
from .breaches import breach_export, export_rows, format_time_left

BREACH_DOCUMENT_TEMPLATE = "wagtail_gdpr_mail/legal/breach_document.html"


class BreachPermissionMixin(PermissionCheckedMixin):
    model = Breach
    any_permission_required = ["add", "change", "delete", "view"]

    @cached_property
    def permission_policy(self):
        return self.model.snippet_viewset.permission_policy


class BreachDocumentView(BreachPermissionMixin, View):
    """The entry as the authority asks for it: a printable page (print to PDF), or JSON."""

    as_json = False

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        breach = get_object_or_404(Breach.objects.select_related("affected_segment"), pk=pk)
        if self.as_json:
            response = HttpResponse(
                json.dumps(breach_export(breach), ensure_ascii=False, indent=2),
                content_type="application/json; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="breach-{breach.pk}.json"'
            response["Cache-Control"] = "no-store"
            return response
        context = {
            "breach": breach,
            "rows": export_rows(breach),
            "export": breach_export(breach),
            "generated_at": timezone.now(),
        }
        return TemplateResponse(request, BREACH_DOCUMENT_TEMPLATE, context)


class BreachInspectView(InspectView):
    """The entry, with the 72-hour clock and the exports in the header."""

    def _url(self, name: str) -> str:
        return reverse(self.model.snippet_viewset.get_url_name(name), args=[self.object.pk])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        breach = self.object
        if not breach.authority_notified and breach.risk != "unlikely":
            context["page_subtitle"] = format_time_left(breach.time_left())
        return context

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("Print for the authority"), url=self._url("print"), icon_name="doc-full"
            ),
            HeaderButton(_("Download JSON"), url=self._url("json"), icon_name="download"),
        ]

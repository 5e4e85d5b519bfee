"""Admin views of segments: live count, matching contacts, snapshot, bulk assign / revoke.

Registered as URLs of the segment viewset (``segments/viewsets.py``); each asks a
permission policy (``admin/permissions.py``) and only calls the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.defaults import permission_denied
from django.views.generic import View

from ..admin.listing import ContactIndexView
from ..admin.permissions import policy_for
from ..models import BulkOperation, Contact, ContactList, Segment
from . import bulk, tasks
from .forms import BulkOperationForm
from .rules import rules_queryset, segment_contacts
from .snapshots import take_snapshot

URL_PREFIX = "wagtailsnippets_wagtail_gdpr_mail_segment"


def url_name(action: str) -> str:
    return f"{URL_PREFIX}:{action}"


def _allowed(request: HttpRequest, model: type, *actions: str) -> bool:
    return policy_for(model).user_has_any_permission(request.user, actions)


def _denied(request: HttpRequest) -> HttpResponse:
    return permission_denied(request, PermissionDenied())


def count_text(count: int) -> str:
    return ngettext("%(count)d contact", "%(count)d contacts", count) % {"count": count}


class LiveCountView(View):
    """POST the segment's edit form: how many contacts its rules select now (JSON)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if not _allowed(request, Segment, "add", "change"):
            return _denied(request)
        block = Segment._meta.get_field("rules").stream_block
        try:
            rules = block.value_from_datadict(request.POST, request.FILES, "rules")
            match = request.POST.get("match") or "all"
            count = rules_queryset(rules, match).not_anonymised().count()
        except (ValueError, TypeError, KeyError, AttributeError):
            # Half-edited rules (a block being added): no number rather than an error.
            return JsonResponse({"count": None, "text": "—"})
        return JsonResponse({"count": count, "text": count_text(count)})


class SegmentContactsView(ContactIndexView):
    """The segment's contacts with the contact listing's columns and filters."""

    @property
    def segment(self) -> Segment:
        if not hasattr(self, "_segment"):
            self._segment = get_object_or_404(Segment, pk=self.kwargs["pk"])
        return self._segment

    def get_base_queryset(self):
        return super().get_base_queryset() & segment_contacts(self.segment)

    def get_index_url(self) -> str:
        return reverse(url_name("contacts"), args=[self.segment.pk])

    def get_index_results_url(self) -> str:
        return reverse(url_name("contacts_results"), args=[self.segment.pk])

    def get_page_title(self) -> str:
        return _("Contacts in the segment “%(segment)s”") % {"segment": self.segment}

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            *super().get_breadcrumbs_items()[:-1],
            {"url": reverse(url_name("list")), "label": _("Segments")},
            {"url": "", "label": str(self.segment)},
        ]

    @property
    def header_buttons(self) -> list:
        return []


class SnapshotView(View):
    """POST: take a snapshot of a static segment (who is in it now)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not _allowed(request, Segment, "change"):
            return _denied(request)
        segment = get_object_or_404(Segment, pk=pk)
        snapshot = take_snapshot(segment, user=request.user)
        messages.success(
            request,
            ngettext(
                "Snapshot taken: %(count)d contact.",
                "Snapshot taken: %(count)d contacts.",
                snapshot.size,
            )
            % {"count": snapshot.size},
        )
        return redirect(url_name("edit"), segment.pk)


def _target(request: HttpRequest) -> tuple[Segment | None, ContactList | None]:
    segment_id, list_id = request.GET.get("segment"), request.GET.get("list")
    if segment_id and segment_id.isdigit():
        return get_object_or_404(Segment, pk=segment_id), None
    if list_id and list_id.isdigit():
        return None, get_object_or_404(ContactList, pk=list_id)
    return None, None


class BulkOperationCreateView(View):
    """GET: the form for a segment (``?segment=``) or a list (``?list=``);
    POST: record the operation, queue it, show its progress."""

    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _allowed(request, Contact, "assign", "revoke"):
            return _denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.post(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        segment, contact_list = _target(request)
        if segment is None and contact_list is None:
            return redirect(url_name("list"))
        form = BulkOperationForm(request.POST or None, join_list=contact_list)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if not _allowed(request, Contact, data["kind"]):
                return _denied(request)
            operation = bulk.create_operation(
                kind=data["kind"],
                purpose=data["purpose"],
                user=request.user,
                segment=segment,
                contact_list=form.chosen_join_list() if segment is None else data.get("join_list"),
                valid_from_mode=data["valid_from"],
                valid_from_date=data.get("date"),
                note=data.get("note", "").strip(),
                reason=data.get("reason") or "",
            )
            tasks.start(operation)
            return redirect(url_name("bulk_progress"), operation.pk)
        target = segment or contact_list
        count = segment_contacts(segment) if segment else Contact.objects.in_list(contact_list)
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/bulk_operation_form.html",
            {
                "form": form,
                "target": target,
                "count": count.not_anonymised().count(),
                **_header(_("Assign or revoke a purpose: %(target)s") % {"target": target}),
            },
        )


def _header(title: str) -> dict[str, Any]:
    return {
        "header_title": title,
        "page_title": title,
        "header_icon": "crosshairs",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse(url_name("list")), "label": _("Segments")},
            {"url": "", "label": title},
        ],
    }


def _operation_for(request: HttpRequest, pk: int) -> BulkOperation | None:
    operation = get_object_or_404(BulkOperation.objects.select_related("purpose"), pk=pk)
    return operation if _allowed(request, Contact, operation.kind) else None


def progress_data(operation: BulkOperation) -> dict[str, Any]:
    return {
        "state": operation.state,
        "state_display": operation.get_state_display(),
        "total": operation.total,
        "done": operation.done,
        "changed": operation.changed,
        "skipped": operation.skipped,
        "percent": operation.percent,
        "finished": operation.state == BulkOperation.State.DONE,
    }


class BulkProgressView(View):
    """The operation's page with its progress bar (polls :class:`BulkStatusView`)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        operation = _operation_for(request, pk)
        if operation is None:
            return _denied(request)
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/bulk_operation_progress.html",
            {
                "operation": operation,
                "progress": progress_data(operation),
                "status_url": reverse(url_name("bulk_status"), args=[operation.pk]),
                **_header(f"{operation.get_kind_display()}: {operation.purpose}"),
            },
        )


class BulkStatusView(View):
    """The operation's progress as JSON (nothing personal: counts and state)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        operation = _operation_for(request, pk)
        if operation is None:
            return _denied(request)
        return JsonResponse(progress_data(operation))

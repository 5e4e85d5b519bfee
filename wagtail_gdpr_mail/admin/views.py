"""Admin views of contacts and lists: detail with tabs, and the actions on them.

The listing of contacts is in ``admin/listing.py``.

The actions are registered as URLs of their viewsets (``admin/viewsets.py``)
and ask the viewset's permission policy (``admin/permissions.py``). They only
translate HTTP into calls of the consent and rights services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import EditView, IndexView, InspectView

from .. import audit
from ..consent.assignments import assign_purpose, assign_purpose_to_list, revoke_assignment
from ..crypto import is_unreadable, unreadable_fields
from ..models import (
    Contact,
    ContactList,
    ContactSource,
    ProcessingPurpose,
    PurposeAssignment,
)
from ..rights.erasure import ErasureMode, erase_contacts
from ..rights.forms import EraseForm
from ..rights.views import export_response
from .columns import LocalDateColumn
from .forms import AssignListForm, AssignPurposeForm
from .permissions import ActionPermissionMixin

# --- Detail ------------------------------------------------------------------------


class ContactInspectView(InspectView):
    """The contact's detail with tabs Data / Purposes / Consent history.

    Every opening is written to the audit log (without personal data).
    """

    template_name = "wagtail_gdpr_mail/admin/contact_inspect.html"

    def can(self, action: str) -> bool:
        return self.permission_policy.user_has_permission(self.request.user, action)

    def url_name(self, action: str) -> str:
        return Contact.snippet_viewset.get_url_name(action)

    def get_page_title(self) -> str:
        return _("Contact")

    def get_page_subtitle(self) -> str:
        return self.object.display_email

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        audit.log_action(self.object, audit.VIEW_CONTACT, user=request.user)
        return super().get(request, *args, **kwargs)

    @cached_property
    def header_buttons(self):
        contact = self.object
        buttons = []
        if self.can("export"):
            buttons.append(
                HeaderButton(
                    _("Export"),
                    url=reverse(self.url_name("export"), args=[contact.pk]),
                    icon_name="download",
                    attrs={"data-gdpr-mail-export": ""},
                    priority=10,
                )
            )
        if self.can("erase"):
            buttons.append(
                HeaderButton(
                    _("Erase"),
                    url=reverse(self.url_name("erase"), args=[contact.pk]),
                    icon_name="bin",
                    attrs={"data-gdpr-mail-erase": ""},
                    priority=20,
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        # The generic "Delete" is replaced by "Erase", which also suppresses the
        # address and wipes or removes every trace of it.
        return [b for b in super().header_more_buttons if b.icon_name != "bin"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contact: Contact = self.object
        can_view_proof = self.can("view_proof")
        records = (
            list(contact.consent_records.select_related("purpose").order_by("-pk"))
            if can_view_proof
            else []
        )
        versions = ProcessingPurpose.objects.version_numbers(r.purpose_revision_id for r in records)
        for record in records:
            record.purpose_version = versions.get(record.purpose_revision_id)
        context.update(
            unreadable_fields=[
                str(Contact._meta.get_field(name).verbose_name)
                for name in unreadable_fields(contact)
            ],
            unreadable_records={r.pk for r in records if is_unreadable(r.evidence)},
            contact=contact,
            memberships=contact.memberships.select_related("contact_list").order_by("added_at"),
            assignments=contact.assignments.select_related("purpose", "purpose__legal_basis"),
            can_assign=self.can("assign"),
            can_revoke=self.can("revoke"),
            can_view_proof=can_view_proof,
            records=records,
            assign_form=AssignPurposeForm(),
            assign_url=reverse(self.url_name("assign"), args=[contact.pk]),
            revoke_url_name=self.url_name("revoke"),
        )
        return context


class ContactEditView(EditView):
    """Editing personal fields is audited: which fields changed, never their values."""

    def save_instance(self):
        instance = super().save_instance()
        changed = getattr(instance, "_gdpr_mail_changed_fields", None)
        if changed:
            audit.log_action(
                instance, audit.RECTIFY, user=self.request.user, data={"fields": changed}
            )
        return instance


# --- Lists ----------------------------------------------------------------------------


class LinkColumn(Column):
    """A cell holding one link, e.g. an action on the row."""

    cell_template_name = "wagtail_gdpr_mail/admin/link_cell.html"

    def __init__(self, name, *, text, url_name, **kwargs):
        super().__init__(name, **kwargs)
        self.text, self.url_name = text, url_name

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context.update(text=self.text, url=reverse(self.url_name, args=[instance.pk]))
        return context


class ContactListIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(contact_count=Count("memberships"))

    @cached_property
    def columns(self):
        return [
            *super().columns,
            Column("contact_count", label=_("Contacts"), sort_key="contact_count"),
            LocalDateColumn("created_at", label=_("Created"), sort_key="created_at"),
            LinkColumn(
                "assign",
                label=_("Purposes"),
                text=_("Assign a purpose"),
                url_name=ContactList.snippet_viewset.get_url_name("assign"),
            ),
        ]


# --- Actions -----------------------------------------------------------------------


def _inspect_url(contact: Contact) -> str:
    return reverse(Contact.snippet_viewset.get_url_name("inspect"), args=[contact.pk])


class ActionView(ActionPermissionMixin, View):
    """One action of a viewset; the viewset passes ``permission_policy``."""

    permission_policy = None


class AssignView(ActionView):
    """Give one contact a purpose (POST)."""

    permission_required = "assign"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = get_object_or_404(Contact.objects.not_anonymised(), pk=pk)
        form = AssignPurposeForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(_inspect_url(contact) + "#tab-purposes")
        purpose = form.cleaned_data["purpose"]
        _assignment, created = assign_purpose(
            contact,
            purpose,
            source=ContactSource.ADMIN,
            valid_from=form.cleaned_data["valid_from"],
            user=request.user,
        )
        if created:
            messages.success(request, _("Purpose “%(purpose)s” assigned.") % {"purpose": purpose})
        else:
            messages.success(request, _("Purpose “%(purpose)s” renewed.") % {"purpose": purpose})
        return redirect(_inspect_url(contact) + "#tab-purposes")


class RevokeView(ActionView):
    """Revoke one assignment (POST); the row stays as evidence."""

    permission_required = "revoke"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        assignment = get_object_or_404(PurposeAssignment.objects.select_related("purpose"), pk=pk)
        if revoke_assignment(
            assignment, reason=PurposeAssignment.RevocationReason.ADMIN, user=request.user
        ):
            messages.success(
                request, _("Purpose “%(purpose)s” revoked.") % {"purpose": assignment.purpose}
            )
        else:
            messages.warning(request, _("This purpose was already revoked."))
        return redirect(_inspect_url(assignment.contact) + "#tab-purposes")


class ExportView(ActionView):
    """Download everything held about the contact as JSON (access and portability)."""

    permission_required = "export"
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = get_object_or_404(Contact, pk=pk)
        return export_response(contact, user=request.user, language=request.LANGUAGE_CODE)


class EraseView(ActionView):
    """GET: what each kind of erasure does; POST: erase, irreversibly."""

    permission_required = "erase"
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.post(request, pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = get_object_or_404(Contact, pk=pk)
        form = EraseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            mode = form.cleaned_data["mode"]
            erase_contacts([contact], mode, user=request.user)
            if mode == ErasureMode.DELETE:
                messages.success(request, _("The contact has been deleted."))
            else:
                messages.success(request, _("The contact has been anonymised."))
            return redirect(Contact.snippet_viewset.get_url_name("list"))
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/erase_contact.html",
            {"contact": contact, "form": form, "header_title": _("Erase contact")},
        )


class AssignListView(ActionView):
    """GET: the form; POST: give a purpose to every contact of the list."""

    permission_required = "assign"
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.post(request, pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact_list = get_object_or_404(ContactList, pk=pk)
        form = AssignListForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = assign_purpose_to_list(
                contact_list,
                form.cleaned_data["purpose"],
                valid_from=form.cleaned_data["valid_from"],
                date=form.cleaned_data.get("date"),
                user=request.user,
            )
            messages.success(
                request,
                _("%(purpose)s: assigned to %(assigned)d contacts, renewed for %(renewed)d.")
                % {
                    "purpose": form.cleaned_data["purpose"],
                    "assigned": result.assigned,
                    "renewed": result.renewed,
                },
            )
            return redirect(ContactList.snippet_viewset.get_url_name("list"))
        return TemplateResponse(
            request,
            "wagtail_gdpr_mail/admin/assign_list.html",
            {
                "contact_list": contact_list,
                "form": form,
                "member_count": contact_list.memberships.count(),
                "header_title": _("Assign a purpose to a list"),
            },
        )

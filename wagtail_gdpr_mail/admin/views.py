"""Admin views of contacts and lists: editing, and the actions on them.

The listing of contacts is in ``admin/listing.py``, the detail in ``admin/contact_detail.py``.

The actions are registered as URLs of their viewsets (``admin/viewsets.py``)
and ask the viewset's permission policy (``admin/permissions.py``). They only
translate HTTP into calls of the consent and rights services.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import EditView, IndexView

from .. import audit
from ..consent.assignments import assign_purpose, assign_purpose_to_list
from ..models import (
    Contact,
    ContactList,
    ContactSource,
)
from ..rights.erasure import ErasureMode, erase_contacts
from ..rights.forms import EraseForm
from ..rights.views import export_response
from .columns import LocalDateColumn
from .forms import AssignListForm, AssignPurposeForm
from .headers import crumb, header_context, snippet_edit_crumb, snippet_index_crumb
from .lists import MemberCountColumn
from .permissions import ActionPermissionMixin


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
        return super().get_base_queryset().with_member_count()

    @cached_property
    def columns(self):
        return [
            *super().columns,
            MemberCountColumn("member_count", label=_("Contacts"), sort_key="member_count"),
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


class ExportView(ActionView):
    """Download everything held about the contact as JSON (access and portability)."""

    permission_required = "export"
    http_method_names = ["get"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = get_object_or_404(Contact, pk=pk)
        return export_response(
            contact,
            user=request.user,
            language=request.LANGUAGE_CODE,
            ip=request.META.get("REMOTE_ADDR", ""),
        )


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
            {
                "contact": contact,
                "form": form,
                **header_context(
                    _("Erase contact"),
                    icon="bin",
                    parents=[
                        snippet_index_crumb(Contact),
                        crumb(contact.display_email, _inspect_url(contact)),
                    ],
                ),
            },
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
                "member_count": contact_list.member_count(),
                **header_context(
                    _("Assign a purpose to a list"),
                    icon="list-ul",
                    parents=[snippet_index_crumb(ContactList), snippet_edit_crumb(contact_list)],
                    subtitle=contact_list.name,
                ),
            },
        )

"""Admin views of contacts and lists: listing, editing, and the actions on them.

The actions are registered as URLs of their viewsets (``admin/viewsets.py``)
and ask the viewset's permission policy (``admin/permissions.py``). They only
translate HTTP into calls of the consent and rights services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.snippets.views.snippets import EditView, IndexView

from .. import audit
from ..consent.assignments import assign_purpose, assign_purpose_to_list
from ..models import (
    Contact,
    ContactList,
    ContactSource,
    PurposeAssignment,
)
from ..rights.erasure import ErasureMode, erase_contacts
from ..rights.forms import EraseForm
from ..rights.views import export_response
from .forms import AssignListForm, AssignPurposeForm
from .headers import crumb, header_context, snippet_edit_crumb, snippet_index_crumb
from .lists import MemberCountColumn
from .permissions import ActionPermissionMixin
from .search import ContactSearchForm, remembered_search

# --- Listing and detail ----------------------------------------------------------------


class PurposesColumn(Column):
    """The purposes a contact holds validly now (prefetched by the index view)."""

    def get_value(self, instance: Contact) -> str:
        return ", ".join(a.purpose.name for a in instance.valid_assignments) or "—"


class ContactIndexView(IndexView):
    """The listing; finding by address is a POST (``admin/search.py``), never ``?q=``."""

    listing_template_name = "wagtail_gdpr_mail/admin/contact_index.html"
    is_searchable = False
    default_ordering = "-created_at"

    def get_template_names(self) -> list[str]:
        # The viewset passes its generic index templates; the listing adds the search form.
        if self.results_only:
            return super().get_template_names()
        return [self.listing_template_name]

    @cached_property
    def searched_indexes(self) -> list[str] | None:
        return remembered_search(self.request)

    def filter_queryset(self, queryset):
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
        ]


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
            DateColumn("created_at", label=_("Created")),
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

"""Admin views of contacts and lists: listing, detail with tabs, assigning and revoking purposes."""

from __future__ import annotations

from functools import wraps
from typing import Any

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.defaults import permission_denied
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log
from wagtail.snippets.views.snippets import IndexView, InspectView

from .. import exporting
from ..assignments import assign_purpose, assign_purpose_to_list, revoke_assignment
from ..bulk_actions import EraseForm
from ..conf import app_settings
from ..crypto import normalise_email
from ..erasure import ErasureMode, erase_contacts
from ..forms import AssignListForm, AssignPurposeForm
from ..models import (
    ConsentRecord,
    Contact,
    ContactList,
    ContactSource,
    ProcessingPurpose,
    PurposeAssignment,
)

APP = "wagtail_gdpr_mail"


def permission_required(codename: str):
    """Answer 403 unless the user holds ``wagtail_gdpr_mail.<codename>``.

    A plain 403 rather than the admin's usual redirect to the dashboard: nothing
    was changed, and the client should know.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(f"{APP}.{codename}"):
                return permission_denied(request, PermissionDenied())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Listing ---------------------------------------------------------------------


class ContactFilterSet(WagtailFilterSet):
    contact_list = django_filters.ModelChoiceFilter(
        label=gettext_lazy("List"),
        queryset=ContactList.objects.all(),
        method="filter_list",
    )
    purpose = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Holds valid purpose"),
        queryset=ProcessingPurpose.objects.all(),
        method="filter_purpose",
    )
    purpose_status = django_filters.ChoiceFilter(
        label=gettext_lazy("Purposes"),
        choices=[
            ("none", gettext_lazy("No valid purpose")),
            ("any", gettext_lazy("At least one valid purpose")),
        ],
        method="filter_purpose_status",
        empty_label=gettext_lazy("Any"),
    )
    expires_within = django_filters.NumberFilter(
        label=gettext_lazy("A purpose expires within (days)"),
        method="filter_expires_within",
        min_value=0,
        max_value=36500,
    )
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("Source"), choices=ContactSource.choices
    )

    class Meta:
        model = Contact
        fields = ["source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Suggest the site's usual warning window (read per request: settings may change).
        self.filters["expires_within"].field.widget.attrs["placeholder"] = str(
            app_settings.EXPIRY_WARNING_DAYS
        )

    def filter_list(self, queryset, name, value):
        return queryset.in_list(value) if value else queryset

    def filter_purpose(self, queryset, name, value):
        return queryset.with_valid_purpose(value) if value else queryset

    def filter_purpose_status(self, queryset, name, value):
        if value == "none":
            return queryset.without_any_valid_purpose()
        if value == "any":
            return queryset.exclude(pk__in=queryset.without_any_valid_purpose().values("pk"))
        return queryset

    def filter_expires_within(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.with_purpose_expiring_within(int(value))


class PurposesColumn(Column):
    """The purposes a contact holds validly now (prefetched by the index view)."""

    def get_value(self, instance: Contact) -> str:
        return ", ".join(a.purpose.name for a in instance.valid_assignments) or "—"


class ContactIndexView(IndexView):
    # Exact match only: the address is encrypted, its blind index answers equality.
    search_fields = ["email"]
    default_ordering = "-created_at"

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.by_email(normalise_email(self.search_query))

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


# --- Detail ------------------------------------------------------------------------


class ContactInspectView(InspectView):
    """The contact's detail with tabs Data / Purposes / Consent history.

    Every opening is written to the audit log (without personal data).
    """

    template_name = "wagtail_gdpr_mail/admin/contact_inspect.html"

    def get_page_title(self) -> str:
        return _("Contact")

    def get_page_subtitle(self) -> str:
        return self.object.display_email

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        log(self.object, f"{APP}.view_contact", user=request.user)
        return super().get(request, *args, **kwargs)

    @cached_property
    def header_buttons(self):
        user, contact = self.request.user, self.object
        buttons = []
        if user.has_perm(f"{APP}.export_contact"):
            buttons.append(
                HeaderButton(
                    _("Export"),
                    url=reverse(f"{APP}_contact_export", args=[contact.pk]),
                    icon_name="download",
                    attrs={"data-gdpr-mail-export": ""},
                    priority=10,
                )
            )
        if user.has_perm(f"{APP}.erase_contact"):
            buttons.append(
                HeaderButton(
                    _("Erase"),
                    url=reverse(f"{APP}_contact_erase", args=[contact.pk]),
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
        user = self.request.user
        can_view_proof = user.has_perm(f"{APP}.view_consent_proof")
        context.update(
            contact=contact,
            memberships=contact.memberships.select_related("contact_list").order_by("added_at"),
            assignments=contact.assignments.select_related("purpose", "purpose__legal_basis"),
            can_assign=user.has_perm(f"{APP}.add_purposeassignment"),
            can_revoke=user.has_perm(f"{APP}.change_purposeassignment"),
            can_view_proof=can_view_proof,
            records=(
                contact.consent_records.select_related("purpose").order_by("-pk")
                if can_view_proof
                else ConsentRecord.objects.none()
            ),
            assign_form=AssignPurposeForm(),
            assign_url=reverse(f"{APP}_contact_assign", args=[contact.pk]),
        )
        return context


# --- Actions -----------------------------------------------------------------------


def _inspect_url(contact: Contact) -> str:
    return reverse(Contact.snippet_viewset.get_url_name("inspect"), args=[contact.pk])


@require_POST
@permission_required("add_purposeassignment")
def assign_to_contact(request: HttpRequest, pk: int) -> HttpResponse:
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


@require_POST
@permission_required("change_purposeassignment")
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
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


@permission_required("add_purposeassignment")
def assign_to_list(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form; POST: give a purpose to every contact of the list."""
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


@permission_required("export_contact")
def export_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Download everything held about the contact as JSON (access and portability)."""
    contact = get_object_or_404(Contact, pk=pk)
    response = HttpResponse(
        exporting.export_json(contact, user=request.user, language=request.LANGUAGE_CODE),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{exporting.export_filename(contact)}"'
    response["Cache-Control"] = "no-store"
    return response


@permission_required("erase_contact")
def erase_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what each kind of erasure does; POST: erase, irreversibly."""
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

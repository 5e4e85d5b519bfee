"""Revoking purposes in the admin: one assignment after a confirmation, or a purpose
from a selection of contacts (a bulk action of the contact listing).

Both ask why (a reason and a note) and keep the answer in the consent record; the
services in ``consent/assignments.py`` do the writing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from ..consent.assignments import revoke_assignment, revoke_purpose_of_contacts
from ..models import Contact, ProcessingPurpose, PurposeAssignment
from .bulk_actions import ContactBulkActionMixin
from .permissions import ActionPermissionMixin

EditorReason = PurposeAssignment.EditorReason


class RevokeReasonForm(forms.Form):
    """Why an editor revokes: one of a few reasons, and a note (required for "Other")."""

    editor_reason = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=EditorReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Required when the reason is “Other”. Kept, encrypted, with the consent record."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["note"] = (cleaned.get("note") or "").strip()
        if cleaned.get("editor_reason") == EditorReason.OTHER and not cleaned["note"]:
            self.add_error("note", _("Say why, when the reason is “Other”."))
        return cleaned


class BulkRevokeForm(RevokeReasonForm):
    purpose = forms.ModelChoiceField(
        label=gettext_lazy("Purpose"),
        queryset=ProcessingPurpose.objects.order_by("name"),
    )
    field_order = ["purpose", "editor_reason", "note"]


def _inspect_url(contact_id: int) -> str:
    return reverse(Contact.snippet_viewset.get_url_name("inspect"), args=[contact_id])


class RevokeView(ActionPermissionMixin, WagtailAdminTemplateMixin, View):
    """GET: what revoking does, and why (the form); POST: revoke, once."""

    permission_policy = None
    permission_required = "revoke"
    http_method_names = ["get", "post"]
    template_name = "wagtail_gdpr_mail/admin/revoke.html"
    header_icon = "cross"
    page_title = gettext_lazy("Revoke a purpose")

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        viewset = Contact.snippet_viewset
        return [
            *self.breadcrumbs_items,
            {"url": reverse(viewset.get_url_name("list")), "label": viewset.menu_label},
            {
                "url": self.back_url,
                "label": self.assignment.contact.display_email,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_page_subtitle(self) -> str:
        return self.assignment.purpose.name

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.post(request, pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.assignment = get_object_or_404(
            PurposeAssignment.objects.select_related("purpose", "contact"), pk=pk
        )
        self.back_url = _inspect_url(self.assignment.contact_id) + "#tab-purposes"
        if self.assignment.revoked_at is not None:
            messages.warning(request, _("This purpose was already revoked."))
            return redirect(self.back_url)
        form = RevokeReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            revoked = revoke_assignment(
                self.assignment,
                reason=PurposeAssignment.RevocationReason.ADMIN,
                user=request.user,
                editor_reason=form.cleaned_data["editor_reason"],
                note=form.cleaned_data["note"],
            )
            if revoked:
                messages.success(
                    request,
                    _("Purpose “%(purpose)s” revoked.") % {"purpose": self.assignment.purpose},
                )
            else:  # a second submit that lost the race
                messages.warning(request, _("This purpose was already revoked."))
            return redirect(self.back_url)
        context = self.get_context_data(
            assignment=self.assignment,
            contact=self.assignment.contact,
            form=form,
            back_url=self.back_url,
        )
        return TemplateResponse(request, self.template_name, context)


class RevokePurposeBulkAction(ContactBulkActionMixin, SnippetBulkAction):
    """Revoke one purpose from every selected contact that holds it."""

    display_name = gettext_lazy("Revoke a purpose")
    action_type = "revoke_purpose"
    aria_label = gettext_lazy("Revoke a purpose from the selected contacts")
    template_name = "wagtail_gdpr_mail/admin/confirm_bulk_revoke.html"
    action_priority = 30
    form_class = BulkRevokeForm
    required_action = "revoke"
    header_title = gettext_lazy("Revoke a purpose")
    header_icon = "cross"

    def get_execution_context(self) -> dict[str, Any]:
        data = self.cleaned_form.cleaned_data
        return {
            "user": self.request.user,
            "purpose": data["purpose"],
            "editor_reason": data["editor_reason"],
            "note": data["note"],
        }

    @classmethod
    def execute_action(cls, objects, user=None, purpose=None, editor_reason="", note="", **kw):
        result = revoke_purpose_of_contacts(
            [c.pk for c in objects], purpose, editor_reason=editor_reason, note=note, user=user
        )
        # Wagtail passes the second number on as "child objects": here, the skipped ones.
        return result.revoked, result.skipped

    def get_success_message(self, num_parent_objects: int, num_child_objects: int) -> str:
        purpose = self.cleaned_form.cleaned_data["purpose"]
        revoked = ngettext(
            "“%(purpose)s” revoked from %(count)d contact.",
            "“%(purpose)s” revoked from %(count)d contacts.",
            num_parent_objects,
        ) % {"purpose": purpose, "count": num_parent_objects}
        if not num_child_objects:
            return revoked
        skipped = ngettext(
            "%(count)d contact skipped: they did not hold it.",
            "%(count)d contacts skipped: they did not hold it.",
            num_child_objects,
        ) % {"count": num_child_objects}
        return f"{revoked} {skipped}"

"""The contact listing's bulk action for a selection: a thin entry to a bulk operation."""

from __future__ import annotations

from typing import Any

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from ..admin.bulk_actions import ContactBulkActionMixin
from . import bulk, tasks
from .forms import AssignSelectionForm
from .views import url_name


class PurposeBulkAction(ContactBulkActionMixin, SnippetBulkAction):
    """Assign a purpose to the selected contacts, as a resumable operation (revoking a
    selection is ``admin/revoke.py``'s "Revoke a purpose")."""

    display_name = _("Assign a purpose")
    action_type = "gdpr_mail_purpose"
    aria_label = _("Assign a purpose to the selected contacts")
    template_name = "wagtail_gdpr_mail/admin/confirm_bulk_purpose.html"
    action_priority = 30
    form_class = AssignSelectionForm
    required_action = "assign"
    header_title = _("Assign a purpose")
    header_icon = "crosshairs"

    def prepare_action(self, objects, objects_without_access):
        data = self.cleaned_form.cleaned_data
        operation = bulk.create_operation(
            kind=data["kind"],
            purpose=data["purpose"],
            user=self.request.user,
            selected_ids=[contact.pk for contact in objects],
            contact_list=data.get("join_list"),
            valid_from_mode=data["valid_from"],
            valid_from_date=data.get("date"),
            note=(data.get("note") or "").strip(),
        )
        tasks.start(operation)
        return redirect(url_name("bulk_progress"), operation.pk)

    @classmethod
    def execute_action(cls, objects, **kwargs: Any):
        return 0, 0  # the operation's task does the work (see prepare_action)

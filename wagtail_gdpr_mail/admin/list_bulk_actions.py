"""Bulk actions on the contact listing: add the selection to a list, or remove it from one.

The list is chosen on the confirmation page. Both need the permission to manage
list members and go through :mod:`wagtail_gdpr_mail.lists` (history kept).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from ..lists import add_to_list, remove_from_list
from ..models import ContactList
from .bulk_actions import ContactBulkActionMixin
from .list_forms import ChooseListForm


class ListBulkAction(ContactBulkActionMixin, SnippetBulkAction):
    required_model = ContactList
    required_action = "manage_members"
    template_name = "wagtail_gdpr_mail/admin/confirm_bulk_list.html"
    form_class = ChooseListForm

    def get_execution_context(self) -> dict[str, Any]:
        return {
            "user": self.request.user,
            "contact_list": self.cleaned_form.cleaned_data["contact_list"],
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["submit_label"] = self.display_name
        return context


class AddToListBulkAction(ListBulkAction):
    display_name = gettext_lazy("Add to list")
    action_type = "add_to_list"
    aria_label = gettext_lazy("Add the selected contacts to a list")
    header_title = gettext_lazy("Add to list")
    action_priority = 20

    @classmethod
    def execute_action(cls, objects, user=None, contact_list=None, **kwargs):
        return add_to_list(objects, contact_list, user=user).changed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d contact added to the list.",
            "%(count)d contacts added to the list.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class RemoveFromListBulkAction(ListBulkAction):
    display_name = gettext_lazy("Remove from list")
    action_type = "remove_from_list"
    aria_label = gettext_lazy("Remove the selected contacts from a list")
    header_title = gettext_lazy("Remove from list")
    action_priority = 30

    @classmethod
    def execute_action(cls, objects, user=None, contact_list=None, **kwargs):
        return remove_from_list(objects, contact_list, user=user).changed, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        if not num_parent_objects:
            return _("None of the selected contacts was a member of the list.")
        return ngettext(
            "%(count)d contact removed from the list; the dates stay in the history.",
            "%(count)d contacts removed from the list; the dates stay in the history.",
            num_parent_objects,
        ) % {"count": num_parent_objects}

"""Bulk actions on the contact listing: erase a selection (anonymise or delete)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.defaults import permission_denied
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from ..models import Contact
from ..rights.erasure import ErasureMode, erase_contacts
from ..rights.forms import EraseForm
from .permissions import policy_for


class EraseContactsBulkAction(SnippetBulkAction):
    """Takes the place of Wagtail's generic bulk "delete" for contacts (same action
    type, registered after it), so there is one way to remove a contact: erasure."""

    display_name = _("Erase")
    action_type = "delete"
    aria_label = _("Erase the selected contacts")
    template_name = "wagtail_gdpr_mail/admin/confirm_bulk_erase.html"
    action_priority = 40
    classes = {"serious"}
    form_class = EraseForm

    @classproperty
    def models(cls):
        return [Contact]

    def dispatch(self, request, *args, **kwargs):
        if not policy_for(Contact).user_has_permission(request.user, "erase"):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj) -> bool:
        return policy_for(Contact).user_has_permission(self.request.user, "erase")

    def get_execution_context(self):
        return {"user": self.request.user, "mode": self.cleaned_form.cleaned_data["mode"]}

    @classmethod
    def execute_action(cls, objects, user=None, mode=ErasureMode.ANONYMISE, **kwargs):
        return erase_contacts(objects, mode, user=user), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d contact has been erased.",
            "%(count)d contacts have been erased.",
            num_parent_objects,
        ) % {"count": num_parent_objects}

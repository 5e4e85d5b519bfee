"""Bulk actions on the contact listing: erase a selection (anonymise or delete).

:class:`ContactBulkActionMixin` is shared with the list actions (``list_bulk_actions.py``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.defaults import permission_denied
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from ..models import Contact
from ..rights.erasure import ErasureMode, erase_contacts
from ..rights.forms import EraseForm
from .headers import header_context, snippet_index_crumb
from .permissions import policy_for


class ContactBulkActionMixin:
    """Permission, sane ids and Wagtail's header for a bulk action on contacts."""

    #: The user needs ``required_action`` of ``required_model``'s permission policy.
    required_model: type = Contact
    required_action = "erase"
    header_title: Any = ""
    header_icon = "user"

    @classproperty
    def models(cls):
        return [Contact]

    def user_may(self, user: Any) -> bool:
        return policy_for(self.required_model).user_has_permission(user, self.required_action)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may(request.user):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj) -> bool:
        return self.user_may(self.request.user)

    @classmethod
    def get_queryset(cls, model, object_ids):
        # Ids come from the query string: anything not a number is no contact (not a 500).
        ids = [i for i in object_ids if isinstance(i, int) or str(i).isdigit()]
        return super().get_queryset(model, ids)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        count = len(context["items"])
        context.update(
            header_context(
                self.header_title,
                icon=self.header_icon,
                parents=[snippet_index_crumb(Contact)],
                subtitle=ngettext("%(count)d contact", "%(count)d contacts", count)
                % {"count": count},
            )
        )
        return context


class EraseContactsBulkAction(ContactBulkActionMixin, SnippetBulkAction):
    """Takes the place of Wagtail's generic bulk "delete" for contacts (same action
    type, registered after it), so there is one way to remove a contact: erasure."""

    display_name = _("Erase")
    action_type = "delete"
    aria_label = _("Erase the selected contacts")
    template_name = "wagtail_gdpr_mail/admin/confirm_bulk_erase.html"
    action_priority = 40
    classes = {"serious"}
    form_class = EraseForm
    header_title = _("Erase contacts")
    header_icon = "bin"

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

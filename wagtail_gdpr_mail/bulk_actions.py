"""Bulk actions on the contact listing: erase a selection (anonymise or delete)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.defaults import permission_denied
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from .erasure import ErasureMode, erase_contacts
from .models import Contact

ERASE_CHOICES = [
    (
        ErasureMode.ANONYMISE.value,
        _(
            "Anonymise: wipe the e-mail, names, custom fields, IP addresses, user agents and "
            "the texts kept as proof; keep the rows so counts and statistics stay as they are."
        ),
    ),
    (
        ErasureMode.DELETE.value,
        _(
            "Delete: remove the contacts with their purposes, consent records, list "
            "memberships and pending signups."
        ),
    ),
]


class EraseForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to erase"), choices=ERASE_CHOICES, widget=forms.RadioSelect
    )


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
        if not request.user.has_perm("wagtail_gdpr_mail.erase_contact"):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj) -> bool:
        return self.request.user.has_perm("wagtail_gdpr_mail.erase_contact")

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

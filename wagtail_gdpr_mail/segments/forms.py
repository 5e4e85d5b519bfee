"""The bulk assign / revoke form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateTimeInput

from ..models import BulkOperation, ContactList, ProcessingPurpose, PurposeAssignment


class BulkOperationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Action"),
        choices=BulkOperation.Kind.choices,
        initial=BulkOperation.Kind.ASSIGN,
        widget=forms.RadioSelect,
    )
    purpose = forms.ModelChoiceField(
        label=_("Purpose"), queryset=ProcessingPurpose.objects.select_related("legal_basis")
    )
    valid_from = forms.ChoiceField(
        label=_("Valid from"),
        choices=BulkOperation.ValidFrom.choices,
        initial=BulkOperation.ValidFrom.NOW,
        widget=forms.RadioSelect,
    )
    date = forms.DateTimeField(
        label=_("Chosen date"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=_("Used when 'A chosen date' is selected."),
    )
    join_list = forms.ModelChoiceField(
        label=_("List whose join dates count"),
        queryset=ContactList.objects.all(),
        required=False,
        help_text=_(
            "Used with 'The day each contact joined the list'. Contacts not in this "
            "list are skipped."
        ),
    )
    note = forms.CharField(
        label=_("Where the consent came from"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required for assigning, e.g. “paper forms from the trade fair, March 2026”. "
            "Stored in every consent record."
        ),
    )
    reason = forms.ChoiceField(
        label=_("Revocation reason"),
        # The same choices as revoking one purpose by hand (``admin/revoke.py``).
        choices=PurposeAssignment.EditorReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, join_list: ContactList | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The target list: its own join dates count, nothing to choose.
        self.target_list = join_list
        if join_list is not None:
            del self.fields["join_list"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == BulkOperation.Kind.REVOKE:
            if not cleaned.get("reason"):
                self.add_error("reason", _("Choose why the purpose is revoked."))
            elif (
                cleaned["reason"] == PurposeAssignment.EditorReason.OTHER
                and not (cleaned.get("note") or "").strip()
            ):
                self.add_error("note", _("Say why the purpose is revoked."))
            return cleaned
        if not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say where the consent came from."))
        purpose = cleaned.get("purpose")
        if purpose is not None and not purpose.is_active:
            self.add_error("purpose", _("An inactive purpose cannot be assigned."))
        mode = cleaned.get("valid_from")
        if mode == BulkOperation.ValidFrom.DATE and not cleaned.get("date"):
            self.add_error("date", _("Choose the date the purpose is valid from."))
        if mode == BulkOperation.ValidFrom.JOINED and self.chosen_join_list() is None:
            self.add_error("join_list", _("Choose the list whose join dates count."))
        return cleaned

    def chosen_join_list(self) -> ContactList | None:
        return self.target_list or self.cleaned_data.get("join_list")


class AssignSelectionForm(BulkOperationForm):
    """Assigning to contacts selected in the listing (revoking a selection is the
    listing's "Revoke a purpose", ``admin/revoke.py``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        kind.choices = [c for c in kind.choices if c[0] == BulkOperation.Kind.ASSIGN]
        kind.initial, kind.widget = BulkOperation.Kind.ASSIGN, forms.HiddenInput()
        del self.fields["reason"]

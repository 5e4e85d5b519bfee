"""Admin forms: editing a contact, assigning purposes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateTimeInput

from ..consent.assignments import ValidFrom
from ..models import Contact, ProcessingPurpose, Suppression
from .custom_fields import custom_fields_field
from .list_forms import ContactListsFieldMixin


class ContactForm(ContactListsFieldMixin, WagtailAdminModelForm):
    """Contact edit form: the address is checked for duplicates through the blind index;
    custom fields are labelled inputs (``admin/custom_fields.py``); the source is fixed
    once the contact exists (provenance is evidence); the lists are changed through
    the list service (``list_forms.py``)."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labelled inputs instead of the model's JSON textarea; the field compares
        # dicts, so the rectification log names custom fields only when they changed.
        if "custom_fields" in self.fields:
            self.fields["custom_fields"] = custom_fields_field(self.instance)
        if "source" in self.fields and self.instance.pk:
            # Disabled: shown, and whatever a POST says, the stored value is kept.
            self.fields["source"].disabled = True
            self.fields["source"].required = False
            self.fields["source"].help_text = _("Where the contact came from; fixed once created.")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        duplicates = Contact.objects.by_email(email)
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError(_("A contact with this e-mail address already exists."))
        changed_address = not self.instance.pk or self.instance.email != email
        if changed_address and Suppression.objects.is_suppressed(email):
            raise forms.ValidationError(
                _(
                    "This address was erased or stopped receiving mail. Only the person can "
                    "bring it back, by subscribing through a form and confirming."
                )
            )
        return email

    PERSONAL_FIELDS = ("email", "first_name", "last_name", "custom_fields")

    def save(self, commit: bool = True):
        # Remembered for the audit log (names of changed fields, never values).
        if self.instance.pk:
            self.instance._gdpr_mail_changed_fields = [
                name for name in self.changed_data if name in self.PERSONAL_FIELDS
            ]
        return super().save(commit=commit)

    def clean_custom_fields(self) -> Any:
        value = self.cleaned_data.get("custom_fields")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(
                _('Custom fields must be a JSON object, e.g. {"city": "Brno"}.')
            )
        return value


def _purpose_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Purpose"),
        queryset=ProcessingPurpose.objects.active().select_related("legal_basis"),
    )


class AssignPurposeForm(forms.Form):
    """Give one contact a purpose, valid from now or from a chosen moment."""

    purpose = _purpose_field()
    valid_from = forms.DateTimeField(
        label=_("Valid from"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=_("Leave empty for now."),
    )

    def clean_valid_from(self) -> Any:
        return self.cleaned_data.get("valid_from") or timezone.now()


class AssignListForm(forms.Form):
    """Give every contact of a list a purpose."""

    purpose = _purpose_field()
    valid_from = forms.ChoiceField(
        label=_("Valid from"),
        choices=ValidFrom.choices,
        initial=ValidFrom.NOW,
        widget=forms.RadioSelect,
    )
    date = forms.DateTimeField(
        label=_("Chosen date"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=_("Used when 'A chosen date' is selected."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("valid_from") == ValidFrom.DATE and not cleaned.get("date"):
            self.add_error("date", _("Choose the date the purpose is valid from."))
        return cleaned

"""Forms for list membership: add contacts to a list, choose a list, the contact's lists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from wagtail.snippets.widgets import AdminSnippetChooser

from ..lists import set_lists
from ..models import Contact, ContactList
from .permissions import policy_for

#: More addresses than this in one go is an import, not a paste.
MAX_ADDRESSES = 500


class ContactChooser(AdminSnippetChooser):
    """The contact chooser widget, showing the address; a tampered id renders as empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Contact, **kwargs)

    def get_instance(self, value: Any) -> Any:
        try:
            return super().get_instance(value)
        except (ValueError, TypeError, ValidationError):
            return None

    def get_display_title(self, instance: Contact) -> str:
        return instance.display_email


class AddMembersForm(forms.Form):
    """A contact from the chooser and/or exact addresses, one per line."""

    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.not_anonymised(),
        required=False,
        widget=ContactChooser(),
    )
    emails = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One address per line, matched exactly. Addresses without a contact are "
            "listed, not created: contacts come from forms, imports or the Add contact page."
        ),
    )

    def clean_emails(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["emails"].splitlines()]
        addresses = list(dict.fromkeys(line for line in lines if line))
        if len(addresses) > MAX_ADDRESSES:
            raise ValidationError(
                _("At most %(max)d addresses at a time."), params={"max": MAX_ADDRESSES}
            )
        invalid = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                invalid.append(address)
        if invalid:
            raise ValidationError(
                _("Not e-mail addresses: %(lines)s"), params={"lines": ", ".join(invalid)}
            )
        return addresses

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not cleaned.get("contact") and not cleaned.get("emails"):
            raise ValidationError(_("Choose a contact or enter at least one address."))
        return cleaned

    def matches(self) -> tuple[list[Contact], list[str]]:
        """(contacts found, addresses with no contact), through the blind index."""
        found: dict[int, Contact] = {}
        if self.cleaned_data.get("contact"):
            contact = self.cleaned_data["contact"]
            found[contact.pk] = contact
        missing = []
        for address in self.cleaned_data.get("emails") or []:
            contact = Contact.objects.not_anonymised().by_email(address).first()
            if contact is None:
                missing.append(address)
            else:
                found.setdefault(contact.pk, contact)
        return list(found.values()), missing


class ChooseListForm(forms.Form):
    """The list a bulk action adds the selected contacts to (or removes them from)."""

    contact_list = forms.ModelChoiceField(label=_("List"), queryset=ContactList.objects.current())


class ContactListsFieldMixin(forms.Form):
    """The contact form's "Lists" field; its changes go through :func:`lists.set_lists`.

    Shown to everyone who edits contacts, changeable only with the permission to
    manage list members. Archived lists are not offered (and not left by saving).
    """

    lists = forms.ModelMultipleChoiceField(
        label=_("Lists"),
        queryset=ContactList.objects.current(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leaving a list keeps the dates of joining and leaving in the history."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lists"]
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            field.initial = list(
                ContactList.objects.current()
                .filter(memberships__contact=instance, memberships__left_at__isnull=True)
                .values_list("pk", flat=True)
            )
        user = getattr(self, "for_user", None)
        if user is None or not policy_for(ContactList).user_has_permission(user, "manage_members"):
            field.disabled = True

    def save(self, commit: bool = True) -> Any:
        instance = super().save(commit=commit)
        if commit and not self.fields["lists"].disabled and "lists" in self.changed_data:
            set_lists(instance, self.cleaned_data["lists"], user=self.for_user)
        return instance

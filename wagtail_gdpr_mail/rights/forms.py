"""Forms of the rights features: the visitor's link request and erasure, the editor's erasure."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .erasure import ErasureMode


class AccessRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)


class EraseMeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my data will be erased for good."), required=True
    )


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
    """How an editor erases one contact or a selection."""

    mode = forms.ChoiceField(
        label=_("How to erase"), choices=ERASE_CHOICES, widget=forms.RadioSelect
    )

"""The import's admin forms: the upload, and the mapping with each purpose's choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..models import ContactList, ImportJob, ProcessingPurpose
from .presets import PRESETS, consent_time_column, guess_mapping


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "CSV in UTF-8, Windows-1250 or ISO-8859-2 with commas, semicolons or tabs; or an "
            "Excel workbook (its first sheet). The first row names the columns."
        ),
    )


MODES = (
    ("", _("Leave out")),
    ("assign", _("Assign")),
    ("doi", _("Send the double opt-in mail instead")),
)
VALID_FROM = (
    ("now", _("Now")),
    ("joined", _("The day each contact joined the list")),
    ("date", _("A chosen date")),
    ("column", _("A date column of the file")),
)


class MappingForm(forms.Form):
    """Which column holds what, the target list, the policy and the purposes."""

    preset = forms.ChoiceField(label=_("Exported from"), required=False)
    email = forms.TypedChoiceField(label=_("E-mail column"), coerce=int)
    first_name = forms.TypedChoiceField(
        label=_("First name column"), coerce=int, required=False, empty_value=None
    )
    last_name = forms.TypedChoiceField(
        label=_("Last name column"), coerce=int, required=False, empty_value=None
    )
    contact_list = forms.ModelChoiceField(
        label=_("Add to list"), queryset=ContactList.objects.current(), required=False
    )
    policy = forms.ChoiceField(
        label=_("Contacts that already exist"), choices=ImportJob.Policy.choices
    )
    note = forms.CharField(
        label=_("Where the consent came from"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when a purpose is assigned; stored in every consent record as proof "
            "(e.g. “paper sign-up forms at the 2026 fair, kept in the office”)."
        ),
    )

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        self.job = job
        preset, guessed = guess_mapping(job.headers)
        consent_column = consent_time_column(job.headers)
        kwargs.setdefault(
            "initial",
            {
                "preset": preset,
                "email": guessed["email"],
                "first_name": guessed["first_name"],
                "last_name": guessed["last_name"],
                "policy": ImportJob.Policy.KEEP,
            },
        )
        super().__init__(*args, **kwargs)
        columns = [(i, header) for i, header in enumerate(job.headers)]
        optional = [("", _("(none)")), *columns]
        self.fields["preset"].choices = [(p.key, p.label) for p in PRESETS]
        self.fields["email"].choices = columns
        self.fields["first_name"].choices = optional
        self.fields["last_name"].choices = optional
        self.custom_keys = [key for key, _label in app_settings.CUSTOM_FIELDS]
        for key, label in app_settings.CUSTOM_FIELDS:
            self.fields[f"custom_{key}"] = forms.TypedChoiceField(
                label=_("Custom field “%(label)s”") % {"label": label},
                choices=optional,
                coerce=int,
                required=False,
                empty_value=None,
            )
        self.purposes = list(ProcessingPurpose.objects.order_by("name"))
        for purpose in self.purposes:
            prefix = f"purpose_{purpose.pk}"
            self.fields[f"{prefix}_mode"] = forms.ChoiceField(
                label=str(purpose), choices=MODES, required=False
            )
            self.fields[f"{prefix}_valid_from"] = forms.ChoiceField(
                label=_("Valid from"), choices=VALID_FROM, required=False, initial="now"
            )
            self.fields[f"{prefix}_date"] = forms.DateField(
                label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"{prefix}_column"] = forms.TypedChoiceField(
                label=_("Date column"),
                choices=optional,
                coerce=int,
                required=False,
                empty_value=None,
                initial=consent_column,
            )

    def purpose_rows(self) -> list[tuple[ProcessingPurpose, list[Any]]]:
        """Each purpose with its bound fields, for the template's table."""
        return [
            (
                purpose,
                [
                    self[f"purpose_{purpose.pk}_{name}"]
                    for name in ("mode", "valid_from", "date", "column")
                ],
            )
            for purpose in self.purposes
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = []
        for purpose in self.purposes:
            prefix = f"purpose_{purpose.pk}"
            mode = data.get(f"{prefix}_mode")
            if not mode:
                continue
            spec: dict[str, Any] = {"purpose_id": purpose.pk, "mode": mode}
            if mode == "assign":
                valid_from = data.get(f"{prefix}_valid_from") or "now"
                spec["valid_from"] = valid_from
                if valid_from == "date":
                    if not data.get(f"{prefix}_date"):
                        self.add_error(f"{prefix}_date", _("Choose the date."))
                    else:
                        spec["date"] = data[f"{prefix}_date"].isoformat()
                elif valid_from == "column":
                    if data.get(f"{prefix}_column") is None:
                        self.add_error(f"{prefix}_column", _("Choose the column with the dates."))
                    spec["column"] = data.get(f"{prefix}_column")
                elif valid_from == "joined" and not data.get("contact_list"):
                    self.add_error("contact_list", _("“Joined the list” needs a list."))
            chosen.append(spec)
        if any(s["mode"] == "assign" for s in chosen) and not (data.get("note") or "").strip():
            self.add_error("note", _("Say where the consent came from: it is the proof."))
        data["purposes"] = chosen
        return data

    def apply(self) -> None:
        data = self.cleaned_data
        job = self.job
        job.mapping = {
            "email": data["email"],
            "first_name": data.get("first_name"),
            "last_name": data.get("last_name"),
            "custom": {
                key: data[f"custom_{key}"]
                for key in self.custom_keys
                if data.get(f"custom_{key}") is not None
            },
        }
        job.purposes = data["purposes"]
        job.contact_list = data.get("contact_list")
        job.policy = data["policy"]
        job.note = (data.get("note") or "").strip()
        job.save()

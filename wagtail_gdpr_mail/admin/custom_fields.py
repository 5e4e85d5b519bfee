"""A contact's custom fields as labelled inputs, with JSON only as the advanced fallback.

The inputs are the keys the site declares (``WAGTAIL_GDPR_MAIL_CUSTOM_FIELDS``, with
their labels) plus the contact's own text-valued keys; anything else (other keys,
numbers, lists) is edited as a JSON object, folded away. It is one form field
(``custom_fields``) holding a dict, so the contact form, its panels and the
rectification log (field names only) treat it like any other field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..conf import app_settings
from ..crypto import is_unreadable
from ..models import Contact

#: The longest value one input takes.
VALUE_MAX_LENGTH = 1000


def _current(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) and not is_unreadable(value) else {}


def input_fields(custom_fields: Any) -> list[tuple[str, Any]]:
    """``(key, label)`` of the inputs: the declared keys, then the contact's own
    text-valued keys (labelled by the key)."""
    declared = app_settings.CUSTOM_FIELDS
    known = {key for key, _label in declared}
    own = [
        (key, key)
        for key, value in sorted(_current(custom_fields).items())
        if key not in known and isinstance(value, str)
    ]
    return [*declared, *own]


def custom_field_rows(contact: Contact) -> list[tuple[Any, str]]:
    """``(label, value)`` of a contact's custom fields for display, declared ones first."""
    values = _current(contact.custom_fields)
    labels = dict(app_settings.CUSTOM_FIELDS)
    keys = [k for k in labels if k in values] + sorted(k for k in values if k not in labels)
    return [
        (
            labels.get(k, k),
            values[k] if isinstance(values[k], str) else json.dumps(values[k], ensure_ascii=False),
        )
        for k in keys
    ]


@dataclass(frozen=True)
class Submitted:
    """What the widget's inputs sent, before cleaning."""

    inputs: dict[str, str] = field(default_factory=dict)
    json: str = ""
    #: The whole object as JSON (the former form, scripts): no labelled inputs.
    whole: bool = False


class CustomFieldsWidget(forms.Widget):
    template_name = "wagtail_gdpr_mail/admin/widgets/custom_fields.html"

    def __init__(self, fields: list[tuple[str, Any]], attrs: dict[str, Any] | None = None):
        super().__init__(attrs)
        self.input_fields = fields

    def _input_name(self, name: str, index: int) -> str:
        return f"{name}__{index}"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        if isinstance(value, Submitted):
            inputs, json_text, open_json = value.inputs, value.json, bool(value.json.strip())
        else:
            current = _current(value)
            shown = {key for key, _label in self.input_fields}
            inputs = {k: v for k, v in current.items() if k in shown}
            others = {k: v for k, v in current.items() if k not in shown}
            json_text = json.dumps(others, ensure_ascii=False, indent=2) if others else ""
            open_json = False
        context["widget"].update(
            inputs=[
                {
                    "id": f"{base_id}_{i}" if i else base_id,
                    "name": self._input_name(name, i),
                    "key": key,
                    "label": label,
                    "value": inputs.get(key, ""),
                }
                for i, (key, label) in enumerate(self.input_fields)
            ],
            json_id=f"{base_id}_json",
            json_name=f"{name}__json",
            json_value=json_text,
            json_open=open_json,
            max_length=VALUE_MAX_LENGTH,
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Submitted:
        if f"{name}__json" not in data and name in data:
            # A client posting the whole object as JSON (the former form, scripts).
            return Submitted(json=str(data.get(name) or ""), whole=True)
        return Submitted(
            inputs={
                key: str(data.get(self._input_name(name, i), ""))
                for i, (key, _label) in enumerate(self.input_fields)
            },
            json=str(data.get(f"{name}__json", "")),
        )

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def id_for_label(self, id_: str) -> str:
        return id_ if self.input_fields else f"{id_}_json"


class CustomFieldsField(forms.Field):
    """A dict of custom fields from labelled inputs and a JSON object for the rest."""

    def __init__(self, fields: list[tuple[str, Any]], **kwargs: Any):
        self.input_fields = fields
        kwargs.setdefault("required", False)
        super().__init__(widget=CustomFieldsWidget(fields), **kwargs)

    def to_python(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, Submitted):
            return _current(value)
        json_label = _("Other custom fields (JSON)")
        try:
            merged = json.loads(value.json) if value.json.strip() else {}
        except ValueError:
            raise forms.ValidationError(
                _("%(field)s: this is not valid JSON.") % {"field": json_label}
            ) from None
        if not isinstance(merged, dict):
            raise forms.ValidationError(
                _('%(field)s: must be a JSON object, e.g. {"city": "Brno"}.')
                % {"field": json_label}
            )
        if value.whole:
            return merged
        errors = []
        for key, label in self.input_fields:
            text = value.inputs.get(key, "").strip()
            if key in merged:
                errors.append(
                    _("%(field)s: “%(key)s” has its own field above; fill it in there.")
                    % {"field": json_label, "key": key}
                )
            elif len(text) > VALUE_MAX_LENGTH:
                errors.append(
                    _("%(field)s: at most %(max)d characters.")
                    % {"field": label, "max": VALUE_MAX_LENGTH}
                )
            elif text:
                merged[key] = text
        if errors:
            raise forms.ValidationError(errors)
        return merged

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != _current(initial)
        except forms.ValidationError:
            return True


def custom_fields_field(instance: Contact) -> CustomFieldsField:
    """The ``custom_fields`` field of the contact form for ``instance``."""
    return CustomFieldsField(
        input_fields(instance.custom_fields if instance.pk else {}),
        label=capfirst(Contact._meta.get_field("custom_fields").verbose_name),
        help_text=gettext_lazy("Leave a field empty to remove it."),
    )

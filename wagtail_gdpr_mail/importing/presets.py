"""Column names of the usual exports, to pre-fill the mapping.

- Mailchimp's audience export (public: the columns of its CSV): ``Email Address``,
  ``First Name``, ``Last Name``; ``OPTIN_TIME`` / ``CONFIRM_TIME`` are when the person
  signed up and confirmed (a valid-from column). Its GDPR marketing-permission columns
  are named after each audience's own permission texts, so they are mapped by hand.
- SmartEmailing: its contact export's columns are not documented publicly; the preset
  uses the field names of its public API (``emailaddress``, ``name``, ``surname``),
  which its exports are reported to use. Check the preview before importing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Preset:
    key: str
    label: object
    email: tuple[str, ...]
    first_name: tuple[str, ...]
    last_name: tuple[str, ...]
    #: Columns that say when the person gave consent (offered as a valid-from column).
    consent_time: tuple[str, ...] = ()


PRESETS = (
    Preset(
        "mailchimp",
        _("Mailchimp audience export"),
        ("Email Address",),
        ("First Name",),
        ("Last Name",),
        ("CONFIRM_TIME", "OPTIN_TIME"),
    ),
    Preset(
        "smartemailing",
        _("SmartEmailing contact export"),
        ("emailaddress",),
        ("name",),
        ("surname",),
        ("created",),
    ),
    Preset(
        "generic",
        _("Other (guess from the column names)"),
        ("email", "e-mail", "mail", "email address", "e-mailová adresa", "adresa"),
        ("first name", "firstname", "first_name", "jméno", "jmeno", "name"),
        ("last name", "lastname", "last_name", "surname", "příjmení", "prijmeni"),
    ),
)


def _find(headers: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in headers]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    return None


def guess_mapping(headers: list[str]) -> tuple[str, dict]:
    """The preset whose e-mail column the heading has, and its mapping."""
    for preset in PRESETS:
        email = _find(headers, preset.email)
        if email is not None:
            return preset.key, {
                "email": email,
                "first_name": _find(headers, preset.first_name),
                "last_name": _find(headers, preset.last_name),
                "custom": {},
            }
    return "generic", {"email": None, "first_name": None, "last_name": None, "custom": {}}


def consent_time_column(headers: list[str]) -> int | None:
    for preset in PRESETS:
        found = _find(headers, preset.consent_time) if preset.consent_time else None
        if found is not None:
            return found
    return None

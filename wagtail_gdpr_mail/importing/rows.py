"""One row of an import file checked: a candidate contact, or the row's error.

The error codes, the valid-from dates a row may carry, the masked address the
report shows. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..crypto import email_blind_index
from ..models import (
    ImportJob,
    ProcessingPurpose,
)

#: Per-row error codes and what the report says about them.
ERRORS: dict[str, Any] = {
    "bad_email": _("not a valid e-mail address"),
    "duplicate": _("the address is in the file more than once (an earlier row counts)"),
    "suppressed": _("the address was erased or stopped receiving mail; not imported"),
    "unknown_purpose": _("a purpose of this import no longer exists"),
    "bad_date": _("the valid-from date is not a date (YYYY-MM-DD or D.M.YYYY), or lies ahead"),
    "too_long": _("a value is too long"),
    "formula": _("a value starts like a spreadsheet formula (=, +, -, @)"),
    "ragged": _("the row has more cells than the heading"),
}

NAME_FIELDS = ("first_name", "last_name")
# A value a spreadsheet would run; "+420 …" and "-5" are numbers, not formulas.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s().,/-]*$))")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
_CZ_DATE = re.compile(
    r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


@dataclass
class RowError:
    row: int
    code: str
    masked: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "email": self.masked}


def mask_email(value: str) -> str:
    """``jan.novak@example.cz`` → ``j***@e***.cz``: enough to find the row, not the person."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return (value[:1] + "***")[:64]
    host, dot, tld = domain.rpartition(".")
    masked_domain = (host[:1] + "***" + dot + tld[:10]) if dot else (domain[:1] + "***")
    return (local[:1] + "***@" + masked_domain)[:64]


def parse_date(text: str) -> dt.datetime | None:
    """An ISO date (or date and time) or a Czech ``D. M. YYYY``; None if it is neither."""
    text = text.strip()
    match = _CZ_DATE.match(text)
    value = None
    if match:
        day, month, year, hour, minute, second = match.groups()
        try:
            value = dt.datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            return None
    else:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    value = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


# --- The options of a job ------------------------------------------------------------


@dataclass
class PurposeChoice:
    purpose: ProcessingPurpose
    mode: str  # "assign" or "doi"
    valid_from: str = "now"  # "now", "joined", "date", "column"
    date: dt.datetime | None = None
    column: int | None = None


def purpose_choices(job: ImportJob) -> tuple[list[PurposeChoice], bool]:
    """The job's purposes, and whether any it names no longer exists."""
    wanted = {int(p["purpose_id"]): p for p in job.purposes}
    found = ProcessingPurpose.objects.in_bulk(list(wanted))
    choices = []
    for pk, spec in wanted.items():
        if pk not in found:
            continue
        date = parse_date(spec["date"]) if spec.get("date") else None
        choices.append(
            PurposeChoice(
                purpose=found[pk],
                mode=spec.get("mode", "assign"),
                valid_from=spec.get("valid_from", "now"),
                date=date,
                column=spec.get("column"),
            )
        )
    return choices, len(found) < len(wanted)


@dataclass
class Candidate:
    row: int
    email: str
    index: str
    masked: str
    names: dict[str, str]
    custom: dict[str, str]
    starts: dict[int, dt.datetime]


def _value(cells: list[str], column: int | None) -> str:
    if column is None or column >= len(cells):
        return ""
    return cells[column].strip()


def read_row(
    job: ImportJob, choices: list[PurposeChoice], number: int, cells: list[str]
) -> Candidate | RowError:
    """One row checked: a candidate contact, or the row's first error."""
    mapping = job.mapping
    email = _value(cells, mapping.get("email"))
    masked = mask_email(email)
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > len(job.headers):
        return RowError(number, "ragged", masked)
    limit = app_settings.IMPORT_MAX_CELL_CHARS
    names = {name: _value(cells, mapping.get(name)) for name in NAME_FIELDS}
    custom = {key: _value(cells, col) for key, col in (mapping.get("custom") or {}).items()}
    values = [email, *names.values(), *custom.values()]
    if any(len(v) > limit for v in values):
        return RowError(number, "too_long", masked)
    if len(email) > 254:
        return RowError(number, "bad_email", masked)
    try:
        validate_email(email)
    except ValidationError:
        return RowError(number, "bad_email", masked)
    if any(_FORMULA.match(v) for v in values if v):
        return RowError(number, "formula", masked)
    starts: dict[int, dt.datetime] = {}
    now = job.created_at
    for choice in choices:
        if choice.valid_from == "column":
            start = parse_date(_value(cells, choice.column))
            if start is None or start > timezone.now():
                return RowError(number, "bad_date", masked)
        elif choice.valid_from == "date":
            start = choice.date or now
        else:  # "now"; "joined" is looked up once the contact is in the list
            start = now
        starts[choice.purpose.pk] = start
    return Candidate(
        row=number,
        email=email,
        index=email_blind_index(email),
        masked=masked,
        names=names,
        custom={k: v for k, v in custom.items() if v},
        starts=starts,
    )

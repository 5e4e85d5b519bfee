"""EU/EEA membership and adequacy decisions, from the shipped ``data/adequacy.json``.

The list is dated: see :func:`adequacy_as_of` and :func:`adequacy_source`.
Imports no models: the models import it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdequacyStatus(models.TextChoices):
    EEA = "eea", _("EU/EEA")
    FULL = "full", _("Adequacy decision")
    PARTIAL = "partial", _("Adequacy decision for some recipients only")
    NONE = "none", _("No adequacy decision")


@dataclass(frozen=True)
class Adequacy:
    """What the shipped list says about one country."""

    country: str
    status: str
    decision: str = ""
    adopted: str = ""
    valid_until: str = ""
    scope: str = ""

    @property
    def status_display(self) -> str:
        return str(AdequacyStatus(self.status).label)


@cache
def adequacy_data() -> dict[str, Any]:
    """``data/adequacy.json`` as shipped: EU/EEA members and adequacy decisions, dated."""
    text = resources.files("wagtail_gdpr_mail").joinpath("data/adequacy.json").read_text("utf-8")
    return json.loads(text)


@cache
def eea_countries() -> frozenset[str]:
    data = adequacy_data()
    return frozenset(data["eu"]) | set(data["eu_territories"]["codes"]) | set(data["eea_non_eu"])


def is_in_eea(country: str) -> bool:
    """Whether GDPR applies in ``country`` (ISO 3166 alpha-2), so data there is not transferred."""
    return country.upper() in eea_countries()


def adequacy_for(country: str) -> Adequacy:
    code = country.upper()
    if is_in_eea(code):
        return Adequacy(country=code, status=AdequacyStatus.EEA)
    entry = adequacy_data()["adequacy"].get(code)
    if entry is None:
        return Adequacy(country=code, status=AdequacyStatus.NONE)
    return Adequacy(
        country=code,
        status=entry["status"],
        decision=entry.get("decision", ""),
        adopted=entry.get("adopted", ""),
        valid_until=entry.get("valid_until", ""),
        scope=entry.get("scope", ""),
    )


def adequacy_as_of() -> str:
    """The date the shipped adequacy list was checked against its source (ISO 8601)."""
    return adequacy_data()["as_of"]


def adequacy_source() -> str:
    return adequacy_data()["source"]

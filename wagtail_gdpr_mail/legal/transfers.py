"""Transfers outside the EU/EEA (GDPR Chapter V): the safeguards, and whether one holds.

Plain functions of a recipient: anything with the fields of :class:`TransferRecipient`
(``Subprocessor`` shows them as properties). Imports no models: the models import it.
"""

from __future__ import annotations

from typing import Protocol

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .adequacy import AdequacyStatus, adequacy_for, is_in_eea
from .countries import country_name


class TransferSafeguard(models.TextChoices):
    """What makes a transfer outside the EU/EEA lawful (GDPR Chapter V)."""

    NONE_NEEDED = "none", _("None needed (the data stays in the EU/EEA)")
    ADEQUACY = "adequacy", _("Adequacy decision (Art. 45)")
    SCC = "scc", _("Standard contractual clauses (Art. 46(2)(c))")
    BCR = "bcr", _("Binding corporate rules (Art. 47)")
    OTHER = "other", _("Other (describe)")


class TransferRecipient(Protocol):
    """Where a recipient is, and on which safeguard data goes to it."""

    country: str
    transfer_safeguard: str
    within_adequacy_scope: bool
    safeguard_note: str


#: Safeguards that lean on an adequacy decision rather than on a safeguard of their own.
_RELIES_ON_ADEQUACY = (TransferSafeguard.NONE_NEEDED, TransferSafeguard.ADEQUACY)


def adequacy_applies(recipient: TransferRecipient) -> bool:
    """Whether an adequacy decision covers the recipient (full, or partial and in scope)."""
    status = adequacy_for(recipient.country).status
    return status == AdequacyStatus.FULL or (
        status == AdequacyStatus.PARTIAL and recipient.within_adequacy_scope
    )


def transfer_basis(recipient: TransferRecipient) -> str:
    """Why the data may go where it goes, in words, for the register and the ROPA."""
    country, safeguard = recipient.country, recipient.transfer_safeguard
    if is_in_eea(country):
        return gettext("No transfer: the data stays in the EU/EEA")
    if safeguard in _RELIES_ON_ADEQUACY:
        if adequacy_applies(recipient):
            return str(TransferSafeguard.ADEQUACY.label)
        return gettext("No valid safeguard")
    label = str(dict(TransferSafeguard.choices).get(safeguard, safeguard))
    if safeguard == TransferSafeguard.OTHER and recipient.safeguard_note:
        return f"{label}: {recipient.safeguard_note}"
    return label


def transfer_problem(recipient: TransferRecipient) -> str | None:
    """What is wrong with the chosen safeguard, or ``None`` when it holds."""
    country, safeguard = recipient.country, recipient.transfer_safeguard
    if is_in_eea(country):
        return None
    if safeguard in _RELIES_ON_ADEQUACY:
        if adequacy_applies(recipient):
            return None
        adequacy = adequacy_for(country)
        if adequacy.status == AdequacyStatus.PARTIAL:
            return gettext(
                "The adequacy decision for %(country)s covers only some recipients "
                "(%(scope)s). Tick “covered by the adequacy decision” if this one is, or "
                "choose another safeguard such as standard contractual clauses."
            ) % {"country": country_name(country), "scope": adequacy.scope}
        return gettext(
            "The data leaves the EU/EEA for %(country)s, which has no adequacy decision: "
            "choose a safeguard such as standard contractual clauses."
        ) % {"country": country_name(country)}
    if safeguard == TransferSafeguard.OTHER and not recipient.safeguard_note.strip():
        return gettext("Describe the safeguard in “safeguard details”.")
    return None

"""A subscription form collects consent: every purpose it offers must rest on consent.

A purpose resting on a legal obligation or a contract is not the visitor's to
give or withdraw by ticking a box; offering it in a form would record a consent
that means nothing (GDPR Art. 6(1)(a), Art. 7).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import LegalBasis, ProcessingPurpose


def rests_on_consent(purpose: ProcessingPurpose) -> bool:
    """Whether ``purpose`` rests on consent (read from the cached codes of the six bases)."""
    return LegalBasis.objects.codes().get(purpose.legal_basis_id) == LegalBasis.Code.CONSENT


def not_on_consent_error(purposes: Iterable[ProcessingPurpose]) -> ValidationError | None:
    """An error naming each purpose that rests on another basis, or None if all rest on consent."""
    messages = [
        _(
            "“%(purpose)s” rests on the legal basis “%(basis)s”. A subscription form collects "
            "consent, so each of its purposes must rest on consent (Art. 6(1)(a) GDPR)."
        )
        % {"purpose": purpose.name, "basis": purpose.legal_basis}
        for purpose in purposes
        if not rests_on_consent(purpose)
    ]
    return ValidationError(messages) if messages else None

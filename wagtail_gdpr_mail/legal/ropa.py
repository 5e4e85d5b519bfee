"""The record of processing activities (GDPR Art. 30(1)): :func:`build_ropa`.

Used by the admin report and by ``manage.py gdpr_mail_ropa``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ProcessingPurpose, Subprocessor
from .adequacy import adequacy_as_of, adequacy_source
from .controller import get_controller

if TYPE_CHECKING:
    from wagtail.models import Site


@dataclass(frozen=True)
class RopaRecipient:
    """A sub-processor as a recipient of one processing activity (Art. 30(1)(d), (e))."""

    name: str
    service: str
    data_categories: str
    country: str
    country_name: str
    leaves_eea: bool
    adequacy: str
    safeguard: str
    transfer_basis: str
    safeguard_details: str
    agreement: str
    agreement_accepted: bool | None
    agreement_url: str

    def __str__(self) -> str:
        return f"{self.name} ({self.service}, {self.country_name})"

    @property
    def transfer_display(self) -> str:
        return f"{self.name} → {self.country_name}: {self.transfer_basis}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "service": self.service,
            "data_categories": self.data_categories,
            "country": self.country,
            "country_name": self.country_name,
            "leaves_eea": self.leaves_eea,
            "adequacy": self.adequacy,
            "safeguard": self.safeguard,
            "transfer_basis": self.transfer_basis,
            "safeguard_details": self.safeguard_details,
            "agreement": {
                "title": self.agreement,
                "accepted": self.agreement_accepted,
                "url": self.agreement_url,
            }
            if self.agreement or self.agreement_url
            else None,
        }


@dataclass(frozen=True)
class RopaActivity:
    """One processing purpose as an entry of the record (Art. 30(1)(b)–(g))."""

    purpose_id: int
    purpose: str
    active: bool
    description: str
    legal_basis_code: str
    legal_basis: str
    legal_basis_article: str
    data_subjects: str
    data_categories: str
    retention: str
    retention_amount: int | None
    retention_unit: str | None
    recipients: tuple[RopaRecipient, ...]

    @property
    def transfers(self) -> tuple[RopaRecipient, ...]:
        return tuple(r for r in self.recipients if r.leaves_eea)

    @property
    def legal_basis_display(self) -> str:
        return f"{self.legal_basis} ({self.legal_basis_article})"

    @property
    def recipients_display(self) -> str:
        return "; ".join(str(r) for r in self.recipients) or "—"

    @property
    def transfers_display(self) -> str:
        return "; ".join(r.transfer_display for r in self.transfers) or gettext("None")

    def as_dict(self) -> dict[str, Any]:
        return {
            "purpose_id": self.purpose_id,
            "purpose": self.purpose,
            "active": self.active,
            "description": self.description,
            "legal_basis": {
                "code": self.legal_basis_code,
                "title": self.legal_basis,
                "article": self.legal_basis_article,
            },
            "data_subjects": self.data_subjects,
            "data_categories": self.data_categories,
            "retention": self.retention,
            "retention_period": {"amount": self.retention_amount, "unit": self.retention_unit},
            "recipients": [r.as_dict() for r in self.recipients],
            "transfers": [
                {
                    "recipient": r.name,
                    "country": r.country,
                    "country_name": r.country_name,
                    "safeguard": r.safeguard,
                    "transfer_basis": r.transfer_basis,
                }
                for r in self.transfers
            ],
        }


#: The columns of the record as a table (CSV, XLSX): key and heading.
ROPA_COLUMNS = (
    ("purpose", _("Purpose of processing")),
    ("active", _("Active")),
    ("description", _("Description")),
    ("legal_basis", _("Legal basis")),
    ("data_subjects", _("Categories of data subjects")),
    ("data_categories", _("Categories of personal data")),
    ("retention", _("Time limit for erasure")),
    ("recipients", _("Recipients")),
    ("transfers", _("Transfers outside the EU/EEA")),
    ("security_measures", _("Technical and organisational security measures")),
    ("controller", _("Controller")),
    ("dpo", _("Data protection officer")),
)


@dataclass(frozen=True)
class Ropa:
    """The record of processing activities of one controller (GDPR Art. 30(1))."""

    generated_at: datetime
    controller: dict[str, Any]
    dpo: dict[str, Any]
    controller_display: str
    dpo_display: str
    security_measures: str
    activities: tuple[RopaActivity, ...] = field(default_factory=tuple)

    def row(self, activity: RopaActivity) -> dict[str, str]:
        """One activity as a table row keyed like :data:`ROPA_COLUMNS`."""
        return {
            "purpose": activity.purpose,
            "active": gettext("yes") if activity.active else gettext("no"),
            "description": activity.description,
            "legal_basis": activity.legal_basis_display,
            "data_subjects": activity.data_subjects,
            "data_categories": activity.data_categories,
            "retention": activity.retention,
            "recipients": activity.recipients_display,
            "transfers": activity.transfers_display,
            "security_measures": self.security_measures,
            "controller": self.controller_display,
            "dpo": self.dpo_display,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "controller": self.controller,
            "dpo": self.dpo,
            "security_measures": self.security_measures,
            "adequacy_list": {"as_of": adequacy_as_of(), "source": adequacy_source()},
            "processing_activities": [a.as_dict() for a in self.activities],
        }


def _recipient(subprocessor: Subprocessor) -> RopaRecipient:
    agreement = subprocessor.agreement
    return RopaRecipient(
        name=subprocessor.name,
        service=subprocessor.service,
        data_categories=subprocessor.data_categories,
        country=subprocessor.country,
        country_name=subprocessor.country_name,
        leaves_eea=subprocessor.leaves_eea,
        adequacy=subprocessor.adequacy.status,
        safeguard=subprocessor.transfer_safeguard,
        transfer_basis=subprocessor.transfer_basis,
        safeguard_details=subprocessor.safeguard_note,
        agreement=agreement.title if agreement else "",
        agreement_accepted=agreement.is_accepted if agreement else None,
        agreement_url=subprocessor.agreement_url,
    )


def _data_categories(purpose: ProcessingPurpose) -> str:
    categories = [gettext("E-mail address")]
    if purpose.internal_note.strip():
        categories.append(purpose.internal_note.strip())
    if purpose.legal_basis.requires_consent:
        categories.append(
            gettext("Proof of consent: time, IP address and browser of sign-up and confirmation")
        )
    return "; ".join(categories)


def _recipients_of(purpose: ProcessingPurpose, subprocessors: list[Subprocessor]):
    """The sub-processors that receive ``purpose``'s data: those limited to it, and those
    limited to no purpose (they serve them all)."""
    return [sp for sp in subprocessors if not sp.purposes.all() or purpose in sp.purposes.all()]


def recipient_names_by_purpose() -> dict[int, list[str]]:
    """``{purpose id: recipient names}``, the same recipients the record lists; consent
    receipts disclose them (``thirdPartyDisclosure``)."""
    ropa = build_ropa()
    return {a.purpose_id: [r.name for r in a.recipients] for a in ropa.activities}


def build_ropa(site: Site | None = None) -> Ropa:
    """The record of processing activities, built from the purposes, their legal bases,
    retention and recipients, the sub-processors and the controller settings.

    Every purpose is an activity, inactive ones too: data held for them is still
    processed until it lapses.
    """
    controller = get_controller(site)
    details = controller.as_dict()
    data_subjects = controller.data_subject_categories.strip() or gettext(
        "Contacts: people who gave their e-mail address"
    )
    subprocessors = list(
        Subprocessor.objects.select_related("agreement").prefetch_related("purposes")
    )
    recipients = {sp.pk: _recipient(sp) for sp in subprocessors}
    activities = []
    for purpose in ProcessingPurpose.objects.select_related("legal_basis").order_by("name"):
        activities.append(
            RopaActivity(
                purpose_id=purpose.pk,
                purpose=purpose.name,
                active=purpose.is_active,
                description=purpose.visitor_text,
                legal_basis_code=purpose.legal_basis.code,
                legal_basis=str(purpose.legal_basis),
                legal_basis_article=purpose.legal_basis.article,
                data_subjects=data_subjects,
                data_categories=_data_categories(purpose),
                retention=str(purpose.retention_display),
                retention_amount=purpose.retention_amount,
                retention_unit=purpose.retention_unit if purpose.retention_amount else None,
                recipients=tuple(
                    recipients[sp.pk] for sp in _recipients_of(purpose, subprocessors)
                ),
            )
        )
    return Ropa(
        generated_at=timezone.now(),
        controller=details["controller"],
        dpo=details["dpo"],
        controller_display=controller.controller_display,
        dpo_display=controller.dpo_display,
        security_measures=controller.security_measures,
        activities=tuple(activities),
    )

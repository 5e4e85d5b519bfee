"""The record of processing activities (GDPR Art. 30(1)): :func:`build_ropa`.

Used by the admin report and by ``manage.py gdpr_mail_ropa``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ProcessingPurpose, Recipient, Subprocessor
from .adequacy import adequacy_as_of, adequacy_for, adequacy_source, is_in_eea
from .app_activities import app_activities
from .controller import get_controller, get_record_settings
from .usage import forms_collecting_for

if TYPE_CHECKING:
    from wagtail.models import Site


@dataclass(frozen=True)
class RopaRecipient:
    """A recipient of one processing activity (Art. 30(1)(d), (e)): a sub-processor, or
    another recipient such as an authority (``kind`` says which)."""

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
    kind: str = "processor"
    kind_display: str = ""

    def __str__(self) -> str:
        details = ", ".join(p for p in (self.kind_display, self.service, self.country_name) if p)
        return f"{self.name} ({details})" if details else self.name

    @property
    def is_processor(self) -> bool:
        return self.kind == "processor"

    @property
    def agreement_in_place(self) -> bool:
        """An agreement accepted in the admin, or one signed elsewhere and linked."""
        if self.agreement_accepted is not None:
            return self.agreement_accepted
        return bool(self.agreement_url)

    @property
    def transfer_flagged(self) -> bool:
        """A processor outside the EU/EEA without an accepted data processing agreement."""
        return self.is_processor and self.leaves_eea and not self.agreement_in_place

    @property
    def transfer_display(self) -> str:
        text = f"{self.name} → {self.country_name}: {self.transfer_basis}"
        if self.transfer_flagged:
            text += " — " + gettext("WARNING: no accepted data processing agreement")
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
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
    """One entry of the record (Art. 30(1)(b)–(g)): a processing purpose, or the app's
    own processing (``purpose_id`` None, ``kind`` "app")."""

    purpose_id: int | None
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
    proof_retention: str = ""
    kind: str = "purpose"

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
            "kind": self.kind,
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
            "proof_of_consent_retention": self.proof_retention or None,
            "recipients": [r.as_dict() for r in self.recipients],
            "transfers": [
                {
                    "recipient": r.name,
                    "country": r.country,
                    "country_name": r.country_name,
                    "safeguard": r.safeguard,
                    "transfer_basis": r.transfer_basis,
                    "agreement_in_place": r.agreement_in_place,
                    "flagged": r.transfer_flagged,
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
    ("proof_retention", _("Time limit for erasure of proof of consent")),
    ("recipients", _("Recipients")),
    ("transfers", _("Transfers outside the EU/EEA")),
    ("security_measures", _("Technical and organisational security measures")),
    ("controller", _("Controller")),
    ("joint_controllers", _("Joint controllers")),
    ("representative", _("Representative")),
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
    joint_controllers: str = ""
    activities: tuple[RopaActivity, ...] = field(default_factory=tuple)

    @property
    def flagged_transfers(self) -> list[RopaRecipient]:
        """Transfers outside the EU/EEA to processors without an accepted agreement (once each)."""
        seen: dict[str, RopaRecipient] = {}
        for activity in self.activities:
            for recipient in activity.transfers:
                if recipient.transfer_flagged:
                    seen.setdefault(recipient.name, recipient)
        return list(seen.values())

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
            "proof_retention": activity.proof_retention or "—",
            "recipients": activity.recipients_display,
            "transfers": activity.transfers_display,
            "security_measures": self.security_measures,
            "controller": self.controller_display,
            "joint_controllers": "; ".join(self.joint_controllers.splitlines()) or "—",
            "representative": self.controller.get("representative") or "—",
            "dpo": self.dpo_display,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "controller": self.controller,
            "joint_controllers": [
                line.strip() for line in self.joint_controllers.splitlines() if line.strip()
            ],
            "dpo": self.dpo,
            "security_measures": self.security_measures,
            "adequacy_list": {"as_of": adequacy_as_of(), "source": adequacy_source()},
            "flagged_transfers": [r.name for r in self.flagged_transfers],
            "processing_activities": [a.as_dict() for a in self.activities],
        }


def _other_recipient(recipient: Recipient) -> RopaRecipient:
    leaves = bool(recipient.country) and not is_in_eea(recipient.country)
    return RopaRecipient(
        name=recipient.name,
        service=recipient.reason,
        data_categories="",
        country=recipient.country,
        country_name=recipient.country_name,
        leaves_eea=leaves,
        adequacy=adequacy_for(recipient.country).status if recipient.country else "",
        safeguard="",
        transfer_basis="",
        safeguard_details="",
        agreement="",
        agreement_accepted=None,
        agreement_url="",
        kind=recipient.kind,
        kind_display=str(recipient.get_kind_display()),
    )


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
        kind_display=gettext("Processor"),
    )


#: Form fields as data categories, in the order a record lists them.
FORM_FIELDS = (
    ("ask_first_name", _("First name")),
    ("ask_last_name", _("Last name")),
)


def _data_categories(purpose: ProcessingPurpose) -> str:
    """What is collected for ``purpose``: the fields its live forms ask for, what
    editors, imports and the API enter, the editor's note, and the proof of consent."""
    categories = [gettext("E-mail address")]
    forms = forms_collecting_for(purpose)
    for key, label in FORM_FIELDS:
        if any(form.get(key) for form in forms):
            categories.append(str(label))
    sources = set(purpose.assignments.values_list("source", flat=True).distinct())
    if sources & {"admin", "import", "api"}:
        categories.append(
            gettext("Name and custom fields, as entered by editors, imported or sent by the API")
        )
    if purpose.internal_note.strip():
        categories.append(purpose.internal_note.strip())
    if purpose.legal_basis.requires_consent:
        categories.append(
            gettext("Proof of consent: time, IP address and browser of sign-up and confirmation")
        )
    return "; ".join(categories)


def _recipients_of(purpose: ProcessingPurpose | None, candidates: list[Any]) -> list[Any]:
    """The recipients of ``purpose``'s data: those limited to it, and those limited to no
    purpose (they receive them all). ``None``: the app's own processing, which only
    recipients of every purpose take part in."""
    return [
        c
        for c in candidates
        if not c.purposes.all() or (purpose is not None and purpose in c.purposes.all())
    ]


def proof_retention_text(site: Site | None = None) -> str:
    """How long proof of consent is kept (record settings, else the app's behaviour)."""
    return get_record_settings(site).proof_retention.strip() or gettext(
        "As long as the contact exists, also after the consent ends; anonymising or "
        "deleting the contact wipes it"
    )


def recipients_by_purpose(
    purpose_ids: Iterable[int] | None = None,
) -> dict[int, list[dict[str, str]]]:
    """``{purpose id: [{"name", "kind", "country"}]}``, the recipients the record lists
    (the same rule as :func:`build_ropa`, without building the rest of the record);
    consent receipts and TS 27560 records disclose them."""
    subprocessors = list(
        Subprocessor.objects.select_related("agreement").prefetch_related("purposes")
    )
    others = list(Recipient.objects.prefetch_related("purposes"))
    purposes = ProcessingPurpose.objects.all()
    if purpose_ids is not None:
        purposes = purposes.filter(pk__in=list(purpose_ids))
    found = {}
    for purpose in purposes:
        listed = [
            *(_recipient(sp) for sp in _recipients_of(purpose, subprocessors)),
            *(_other_recipient(r) for r in _recipients_of(purpose, others)),
        ]
        found[purpose.pk] = [{"name": r.name, "kind": r.kind, "country": r.country} for r in listed]
    return found


def build_ropa(site: Site | None = None) -> Ropa:
    """The record of processing activities, built from the purposes, their legal bases,
    retention and recipients, the sub-processors, other recipients and the controller
    and record settings.

    Every purpose is an activity, inactive ones too: data held for them is still
    processed until it lapses. The app's own processing (pending sign-ups, the
    suppression list, ESP events, access requests, the audit log) follows.
    """
    controller = get_controller(site)
    details = controller.as_dict()
    data_subjects = controller.data_subject_categories.strip() or gettext(
        "Contacts: people who gave their e-mail address"
    )
    subprocessors = list(
        Subprocessor.objects.select_related("agreement").prefetch_related("purposes")
    )
    others = list(Recipient.objects.prefetch_related("purposes"))
    recipients = {("sp", sp.pk): _recipient(sp) for sp in subprocessors}
    recipients.update({("other", r.pk): _other_recipient(r) for r in others})
    proof_retention = proof_retention_text(site)

    def recipients_of(purpose: ProcessingPurpose | None) -> tuple[RopaRecipient, ...]:
        return (
            *(recipients[("sp", sp.pk)] for sp in _recipients_of(purpose, subprocessors)),
            *(recipients[("other", r.pk)] for r in _recipients_of(purpose, others)),
        )

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
                legal_basis_article=purpose.legal_basis.article_display,
                data_subjects=purpose.data_subjects.strip() or data_subjects,
                data_categories=_data_categories(purpose),
                retention=str(purpose.retention_display),
                retention_amount=purpose.retention_amount,
                retention_unit=purpose.retention_unit if purpose.retention_amount else None,
                recipients=recipients_of(purpose),
                proof_retention=proof_retention if purpose.legal_basis.requires_consent else "",
            )
        )
    activities.extend(RopaActivity(**kwargs) for kwargs in app_activities(recipients_of(None)))
    return Ropa(
        generated_at=timezone.now(),
        controller=details["controller"],
        dpo=details["dpo"],
        controller_display=controller.controller_display,
        dpo_display=controller.dpo_display,
        security_measures=controller.security_measures,
        joint_controllers=get_record_settings(site).joint_controllers,
        activities=tuple(activities),
    )

"""The legal side, as plain functions: who the controller is, where data may go, the ROPA.

- :func:`get_controller` — the controller and DPO details of a site; other code
  uses them as defaults (form info text, mails, exports, receipts).
- :func:`adequacy_for`, :func:`is_in_eea` — whether a country is in the EU/EEA or
  has an EU adequacy decision, from ``data/adequacy.json`` (dated; see its
  ``as_of`` and ``source``).
- :func:`accept_agreement` — the one way to accept a data processing agreement.
- :func:`build_ropa` — the record of processing activities (GDPR Art. 30(1)),
  used by the admin report and by ``manage.py gdpr_mail_ropa``.

Models are imported inside the functions: the models import this module for
country choices and adequacy.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from .exceptions import GdprMailError

if TYPE_CHECKING:
    from django.http import HttpRequest
    from wagtail.models import Site

    from .models import ControllerSettings, DataProcessingAgreement, DpaAcceptance


class AgreementChangedError(GdprMailError):
    """The agreement changed between showing it and accepting it; show it again."""


# --- Controller and DPO -------------------------------------------------------------


def get_controller(
    site: Site | None = None, *, request: HttpRequest | None = None
) -> ControllerSettings:
    """The controller and DPO details of ``site`` (default: the request's, else the default site).

    Never fails: without any site it returns empty, unsaved settings.
    """
    from wagtail.models import Site

    from .models import ControllerSettings

    if site is None and request is not None:
        return ControllerSettings.for_request(request)
    if site is None:
        site = (
            Site.objects.filter(is_default_site=True).first() or Site.objects.order_by("pk").first()
        )
    if site is None:
        return ControllerSettings()
    return ControllerSettings.for_site(site)


# --- EU/EEA and adequacy decisions --------------------------------------------------


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


# --- Data processing agreements -----------------------------------------------------

#: Standard wording of the processor's obligations, offered for a new agreement.
#: It restates GDPR Art. 28(3); the parties may change it.
DEFAULT_DPA_CLAUSES = {
    "instructions": _(
        "The processor processes the personal data only on documented instructions from the "
        "controller, including with regard to transfers of personal data to a third country or "
        "an international organisation, unless required to do so by Union or Member State law "
        "to which the processor is subject; in such a case, the processor informs the "
        "controller of that legal requirement before processing, unless that law prohibits "
        "such information. The processor immediately informs the controller if, in its "
        "opinion, an instruction infringes data protection law."
    ),
    "confidentiality": _(
        "The processor ensures that persons authorised to process the personal data have "
        "committed themselves to confidentiality or are under an appropriate statutory "
        "obligation of confidentiality."
    ),
    "security_measures": _(
        "The processor takes all measures required under Article 32 GDPR to ensure a level "
        "of security appropriate to the risk, in particular encryption of personal data in "
        "transit and at rest, access control, backups, and regular testing of these measures."
    ),
    "subprocessing": _(
        "The processor engages another processor only with the prior written authorisation "
        "of the controller, informs the controller of any intended addition or replacement "
        "of other processors, giving the controller the opportunity to object, and imposes "
        "the same data protection obligations on them by contract."
    ),
    "data_subject_rights": _(
        "Taking into account the nature of the processing, the processor assists the "
        "controller by appropriate technical and organisational measures, insofar as this is "
        "possible, in responding to requests of data subjects exercising their rights under "
        "Chapter III GDPR."
    ),
    "controller_assistance": _(
        "The processor assists the controller in ensuring compliance with its obligations "
        "under Articles 32 to 36 GDPR (security of processing, notification of personal data "
        "breaches, data protection impact assessments and prior consultation), taking into "
        "account the nature of the processing and the information available to the processor."
    ),
    "end_of_processing": _(
        "At the choice of the controller, the processor deletes or returns all the personal "
        "data to the controller after the end of the provision of the services, and deletes "
        "existing copies unless Union or Member State law requires their storage."
    ),
    "audits": _(
        "The processor makes available to the controller all information necessary to "
        "demonstrate compliance with Article 28 GDPR, and allows for and contributes to "
        "audits, including inspections, conducted by the controller or another auditor "
        "mandated by the controller."
    ),
    "international_transfers": _(
        "The processor transfers personal data outside the EU/EEA only on documented "
        "instructions of the controller and only under a safeguard required by Chapter V GDPR: "
        "an adequacy decision, standard contractual clauses or binding corporate rules. The "
        "recipients and their countries are listed in the register of sub-processors."
    ),
}


def new_agreement_initial(site: Site | None = None) -> dict[str, str]:
    """Initial values for a new agreement: the controller from the settings, standard clauses."""
    controller = get_controller(site)
    lines = [
        controller.controller_name,
        controller.controller_address,
        gettext("Company ID: %(id)s") % {"id": controller.controller_company_id}
        if controller.controller_company_id
        else "",
        controller.controller_email,
    ]
    initial = {name: str(text) for name, text in DEFAULT_DPA_CLAUSES.items()}
    initial["controller_details"] = "\n".join(line for line in lines if line)
    return initial


def _display_name(user: Any) -> str:
    full_name = getattr(user, "get_full_name", lambda: "")()
    return (full_name or user.get_username())[:255]


def accept_agreement(
    agreement: DataProcessingAgreement, user: Any, *, expected_hash: str | None = None
) -> tuple[DpaAcceptance, bool]:
    """Record that ``user`` accepts the agreement as it is now. Returns ``(acceptance, created)``.

    ``expected_hash`` is the hash of the text the user was shown; if the agreement
    changed since, :class:`AgreementChangedError` is raised and nothing is recorded.
    Accepting a version that is already accepted records nothing new.
    """
    from .models import DataProcessingAgreement, DpaAcceptance

    with transaction.atomic():
        agreement = DataProcessingAgreement.objects.select_for_update().get(pk=agreement.pk)
        content_hash = agreement.content_hash
        if expected_hash is not None and expected_hash != content_hash:
            raise AgreementChangedError(agreement.pk)
        existing = agreement.current_acceptance()
        if existing is not None:
            return existing, False
        revision = agreement.current_revision()
        acceptance = DpaAcceptance.objects.create(
            agreement=agreement,
            revision=revision,
            content_hash=content_hash,
            accepted_by=user,
            accepted_by_name=_display_name(user),
        )
        # No personal data in the audit log: the user is the log entry's own user.
        log(
            agreement,
            "wagtail_gdpr_mail.accept_dpa",
            user=user,
            revision=revision,
            data={
                "acceptance_id": acceptance.pk,
                "revision_id": revision.pk,
                "content_hash": content_hash,
            },
        )
    return acceptance, True


# --- Record of processing activities (Art. 30(1)) ----------------------------------


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


def _recipient(subprocessor) -> RopaRecipient:
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


def _data_categories(purpose) -> str:
    categories = [gettext("E-mail address")]
    if purpose.internal_note.strip():
        categories.append(purpose.internal_note.strip())
    if purpose.legal_basis.requires_consent:
        categories.append(
            gettext("Proof of consent: time, IP address and browser of sign-up and confirmation")
        )
    return "; ".join(categories)


def build_ropa(site: Site | None = None) -> Ropa:
    """The record of processing activities, built from the purposes, their legal bases,
    retention and recipients, the sub-processors and the controller settings.

    Every purpose is an activity, inactive ones too: data held for them is still
    processed until it lapses.
    """
    from .models import ProcessingPurpose, Subprocessor

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
                    recipients[sp.pk]
                    for sp in subprocessors
                    if not sp.purposes.all() or purpose in sp.purposes.all()
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


# --- Countries (ISO 3166-1 alpha-2) -------------------------------------------------


def country_choices() -> list[tuple[str, str]]:
    """Countries for a choice field, sorted by their name in the active language."""

    def sort_key(choice: tuple[str, Any]) -> str:
        # Accents sort with their base letter ("Česko" among the C's), as people expect.
        return unicodedata.normalize("NFKD", str(choice[1])).encode("ascii", "ignore").decode()

    return sorted(COUNTRIES, key=sort_key)


def country_name(code: str) -> str:
    return str(_COUNTRY_NAMES.get(code.upper(), code))


COUNTRIES = [
    ("AD", _("Andorra")),
    ("AE", _("United Arab Emirates")),
    ("AF", _("Afghanistan")),
    ("AG", _("Antigua and Barbuda")),
    ("AI", _("Anguilla")),
    ("AL", _("Albania")),
    ("AM", _("Armenia")),
    ("AO", _("Angola")),
    ("AQ", _("Antarctica")),
    ("AR", _("Argentina")),
    ("AS", _("American Samoa")),
    ("AT", _("Austria")),
    ("AU", _("Australia")),
    ("AW", _("Aruba")),
    ("AX", _("Åland Islands")),
    ("AZ", _("Azerbaijan")),
    ("BA", _("Bosnia and Herzegovina")),
    ("BB", _("Barbados")),
    ("BD", _("Bangladesh")),
    ("BE", _("Belgium")),
    ("BF", _("Burkina Faso")),
    ("BG", _("Bulgaria")),
    ("BH", _("Bahrain")),
    ("BI", _("Burundi")),
    ("BJ", _("Benin")),
    ("BL", _("Saint Barthélemy")),
    ("BM", _("Bermuda")),
    ("BN", _("Brunei")),
    ("BO", _("Bolivia")),
    ("BQ", _("Caribbean Netherlands")),
    ("BR", _("Brazil")),
    ("BS", _("Bahamas")),
    ("BT", _("Bhutan")),
    ("BV", _("Bouvet Island")),
    ("BW", _("Botswana")),
    ("BY", _("Belarus")),
    ("BZ", _("Belize")),
    ("CA", _("Canada")),
    ("CC", _("Cocos (Keeling) Islands")),
    ("CD", _("Congo (Democratic Republic)")),
    ("CF", _("Central African Republic")),
    ("CG", _("Congo")),
    ("CH", _("Switzerland")),
    ("CI", _("Côte d'Ivoire")),
    ("CK", _("Cook Islands")),
    ("CL", _("Chile")),
    ("CM", _("Cameroon")),
    ("CN", _("China")),
    ("CO", _("Colombia")),
    ("CR", _("Costa Rica")),
    ("CU", _("Cuba")),
    ("CV", _("Cape Verde")),
    ("CW", _("Curaçao")),
    ("CX", _("Christmas Island")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DE", _("Germany")),
    ("DJ", _("Djibouti")),
    ("DK", _("Denmark")),
    ("DM", _("Dominica")),
    ("DO", _("Dominican Republic")),
    ("DZ", _("Algeria")),
    ("EC", _("Ecuador")),
    ("EE", _("Estonia")),
    ("EG", _("Egypt")),
    ("EH", _("Western Sahara")),
    ("ER", _("Eritrea")),
    ("ES", _("Spain")),
    ("ET", _("Ethiopia")),
    ("FI", _("Finland")),
    ("FJ", _("Fiji")),
    ("FK", _("Falkland Islands")),
    ("FM", _("Micronesia")),
    ("FO", _("Faroe Islands")),
    ("FR", _("France")),
    ("GA", _("Gabon")),
    ("GB", _("United Kingdom")),
    ("GD", _("Grenada")),
    ("GE", _("Georgia")),
    ("GF", _("French Guiana")),
    ("GG", _("Guernsey")),
    ("GH", _("Ghana")),
    ("GI", _("Gibraltar")),
    ("GL", _("Greenland")),
    ("GM", _("Gambia")),
    ("GN", _("Guinea")),
    ("GP", _("Guadeloupe")),
    ("GQ", _("Equatorial Guinea")),
    ("GR", _("Greece")),
    ("GS", _("South Georgia and South Sandwich Islands")),
    ("GT", _("Guatemala")),
    ("GU", _("Guam")),
    ("GW", _("Guinea-Bissau")),
    ("GY", _("Guyana")),
    ("HK", _("Hong Kong")),
    ("HM", _("Heard Island and McDonald Islands")),
    ("HN", _("Honduras")),
    ("HR", _("Croatia")),
    ("HT", _("Haiti")),
    ("HU", _("Hungary")),
    ("ID", _("Indonesia")),
    ("IE", _("Ireland")),
    ("IL", _("Israel")),
    ("IM", _("Isle of Man")),
    ("IN", _("India")),
    ("IO", _("British Indian Ocean Territory")),
    ("IQ", _("Iraq")),
    ("IR", _("Iran")),
    ("IS", _("Iceland")),
    ("IT", _("Italy")),
    ("JE", _("Jersey")),
    ("JM", _("Jamaica")),
    ("JO", _("Jordan")),
    ("JP", _("Japan")),
    ("KE", _("Kenya")),
    ("KG", _("Kyrgyzstan")),
    ("KH", _("Cambodia")),
    ("KI", _("Kiribati")),
    ("KM", _("Comoros")),
    ("KN", _("Saint Kitts and Nevis")),
    ("KP", _("North Korea")),
    ("KR", _("South Korea")),
    ("KW", _("Kuwait")),
    ("KY", _("Cayman Islands")),
    ("KZ", _("Kazakhstan")),
    ("LA", _("Laos")),
    ("LB", _("Lebanon")),
    ("LC", _("Saint Lucia")),
    ("LI", _("Liechtenstein")),
    ("LK", _("Sri Lanka")),
    ("LR", _("Liberia")),
    ("LS", _("Lesotho")),
    ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")),
    ("LV", _("Latvia")),
    ("LY", _("Libya")),
    ("MA", _("Morocco")),
    ("MC", _("Monaco")),
    ("MD", _("Moldova")),
    ("ME", _("Montenegro")),
    ("MF", _("Saint Martin")),
    ("MG", _("Madagascar")),
    ("MH", _("Marshall Islands")),
    ("MK", _("North Macedonia")),
    ("ML", _("Mali")),
    ("MM", _("Myanmar")),
    ("MN", _("Mongolia")),
    ("MO", _("Macao")),
    ("MP", _("Northern Mariana Islands")),
    ("MQ", _("Martinique")),
    ("MR", _("Mauritania")),
    ("MS", _("Montserrat")),
    ("MT", _("Malta")),
    ("MU", _("Mauritius")),
    ("MV", _("Maldives")),
    ("MW", _("Malawi")),
    ("MX", _("Mexico")),
    ("MY", _("Malaysia")),
    ("MZ", _("Mozambique")),
    ("NA", _("Namibia")),
    ("NC", _("New Caledonia")),
    ("NE", _("Niger")),
    ("NF", _("Norfolk Island")),
    ("NG", _("Nigeria")),
    ("NI", _("Nicaragua")),
    ("NL", _("Netherlands")),
    ("NO", _("Norway")),
    ("NP", _("Nepal")),
    ("NR", _("Nauru")),
    ("NU", _("Niue")),
    ("NZ", _("New Zealand")),
    ("OM", _("Oman")),
    ("PA", _("Panama")),
    ("PE", _("Peru")),
    ("PF", _("French Polynesia")),
    ("PG", _("Papua New Guinea")),
    ("PH", _("Philippines")),
    ("PK", _("Pakistan")),
    ("PL", _("Poland")),
    ("PM", _("Saint Pierre and Miquelon")),
    ("PN", _("Pitcairn Islands")),
    ("PR", _("Puerto Rico")),
    ("PS", _("Palestine")),
    ("PT", _("Portugal")),
    ("PW", _("Palau")),
    ("PY", _("Paraguay")),
    ("QA", _("Qatar")),
    ("RE", _("Réunion")),
    ("RO", _("Romania")),
    ("RS", _("Serbia")),
    ("RU", _("Russia")),
    ("RW", _("Rwanda")),
    ("SA", _("Saudi Arabia")),
    ("SB", _("Solomon Islands")),
    ("SC", _("Seychelles")),
    ("SD", _("Sudan")),
    ("SE", _("Sweden")),
    ("SG", _("Singapore")),
    ("SH", _("Saint Helena, Ascension and Tristan da Cunha")),
    ("SI", _("Slovenia")),
    ("SJ", _("Svalbard and Jan Mayen")),
    ("SK", _("Slovakia")),
    ("SL", _("Sierra Leone")),
    ("SM", _("San Marino")),
    ("SN", _("Senegal")),
    ("SO", _("Somalia")),
    ("SR", _("Suriname")),
    ("SS", _("South Sudan")),
    ("ST", _("São Tomé and Príncipe")),
    ("SV", _("El Salvador")),
    ("SX", _("Sint Maarten")),
    ("SY", _("Syria")),
    ("SZ", _("Eswatini")),
    ("TC", _("Turks and Caicos Islands")),
    ("TD", _("Chad")),
    ("TF", _("French Southern and Antarctic Lands")),
    ("TG", _("Togo")),
    ("TH", _("Thailand")),
    ("TJ", _("Tajikistan")),
    ("TK", _("Tokelau")),
    ("TL", _("Timor-Leste")),
    ("TM", _("Turkmenistan")),
    ("TN", _("Tunisia")),
    ("TO", _("Tonga")),
    ("TR", _("Türkiye")),
    ("TT", _("Trinidad and Tobago")),
    ("TV", _("Tuvalu")),
    ("TW", _("Taiwan")),
    ("TZ", _("Tanzania")),
    ("UA", _("Ukraine")),
    ("UG", _("Uganda")),
    ("UM", _("United States Minor Outlying Islands")),
    ("US", _("United States")),
    ("UY", _("Uruguay")),
    ("UZ", _("Uzbekistan")),
    ("VA", _("Holy See (Vatican City)")),
    ("VC", _("Saint Vincent and the Grenadines")),
    ("VE", _("Venezuela")),
    ("VG", _("British Virgin Islands")),
    ("VI", _("U.S. Virgin Islands")),
    ("VN", _("Vietnam")),
    ("VU", _("Vanuatu")),
    ("WF", _("Wallis and Futuna")),
    ("WS", _("Samoa")),
    ("YE", _("Yemen")),
    ("YT", _("Mayotte")),
    ("ZA", _("South Africa")),
    ("ZM", _("Zambia")),
    ("ZW", _("Zimbabwe")),
]
_COUNTRY_NAMES = dict(COUNTRIES)

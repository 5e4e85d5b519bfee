"""Data processing agreements (GDPR Art. 28(3)): the standard clauses offered for a new
agreement, and :func:`accept_agreement`, the one way to accept one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..audit import ACCEPT_DPA, log_action
from ..exceptions import GdprMailError
from ..models import DataProcessingAgreement, DpaAcceptance
from .controller import get_controller

if TYPE_CHECKING:
    from wagtail.models import Site


class AgreementChangedError(GdprMailError):
    """The agreement changed between showing it and accepting it; show it again."""


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
        log_action(
            agreement,
            ACCEPT_DPA,
            user=user,
            revision=revision,
            data={
                "acceptance_id": acceptance.pk,
                "revision_id": revision.pk,
                "content_hash": content_hash,
            },
        )
    return acceptance, True

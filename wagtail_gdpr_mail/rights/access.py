"""Self-service for visitors: a one-time link by mail, then a short session bound to the contact.

The views (``rights/views.py``) translate HTTP into these calls; the REST API
and other entry points use the same functions.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from .. import outbox
from ..conf import app_settings
from ..consent.assignments import revoke_assignment
from ..crypto import get_cipher, normalise_email
from ..models import AccessRequest, Contact, ProcessingPurpose, PurposeAssignment
from .erasure import erase_contacts

SESSION_KEY = "wagtail_gdpr_mail_access"

logger = logging.getLogger(__name__)


#: The task that looks an address up and, for a contact, queues the link mail.
REQUEST_TASK = "wagtail_gdpr_mail.tasks.request_access"
#: Binds the sealed address in the task message to this use.
REQUEST_TASK_AAD = b"wagtail_gdpr_mail:request_access:email"


def queue_access_request(email: str, *, language: str) -> None:
    """Ask for a "manage your data" link: publish the lookup, whatever the address.

    The request does the same work for known and unknown addresses (no lookup, no
    row: one encryption and one publish), so its answer time tells nothing. The
    address travels through the broker encrypted. If publishing fails the request
    is lost (there is nothing to keep for an unknown address); the visitor asks again.
    """
    sealed = get_cipher().encrypt(normalise_email(email).encode(), REQUEST_TASK_AAD)
    try:
        current_app.tasks[REQUEST_TASK].delay(sealed, (language or "")[:16])
    except Exception:  # noqa: BLE001 - a broker outage must not show the visitor an error
        logger.exception("Could not queue a self-service access request")


def open_sealed_address(sealed: str) -> str:
    return get_cipher().decrypt(sealed, REQUEST_TASK_AAD).decode()


def default_base_url() -> str:
    """Where links in mail point: the default Wagtail site's root URL, never a request's
    Host header (which a client chooses)."""
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return (site.root_url if site is not None else "") + "/"


def request_access(
    email: str, *, base_url: str | None = None, language: str = ""
) -> AccessRequest | None:
    """Queue a "manage your data" link for ``email`` if it belongs to a contact.

    Returns None for an unknown address. Runs in the task that
    :func:`queue_access_request` publishes.
    """
    contact = Contact.objects.not_anonymised().by_email(email).first()
    if contact is None:
        return None
    with transaction.atomic():
        access = AccessRequest.objects.create(
            contact=contact,
            expires_at=timezone.now() + timedelta(hours=app_settings.SELF_SERVICE_LINK_HOURS),
            base_url=(base_url or default_base_url())[:255],
            language=(language or "")[:16],
        )
        outbox.queue_after_commit(access)
    return access


def usable_access(token: str) -> AccessRequest | None:
    """The access request of a link that still works (unused, unexpired), else None."""
    access = AccessRequest.find_by_token(token)
    return access if access is not None and access.is_usable else None


def use_access(access: AccessRequest, session: Any) -> bool:
    """Use the link up and start the session; False on a second click or a race."""
    with transaction.atomic():
        updated = AccessRequest.objects.filter(pk=access.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    if not updated:
        return False
    session.cycle_key()
    session[SESSION_KEY] = {
        "contact": access.contact_id,
        "until": time.time() + app_settings.SELF_SERVICE_SESSION_MINUTES * 60,
    }
    return True


def session_contact(session: Any) -> Contact | None:
    """The contact whose session this is, while it lasts."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("until", 0) < time.time():
        session.pop(SESSION_KEY, None)
        return None
    return Contact.objects.not_anonymised().filter(pk=state.get("contact")).first()


# --- Withdrawing and objecting -----------------------------------------------------------


class SelfServiceAction(enum.Enum):
    """What a visitor may do with one of their purposes on the "my data" page."""

    #: Withdraw consent (GDPR Art. 7(3)).
    WITHDRAW = "withdraw"
    #: Object to processing based on legitimate interest (GDPR Art. 21).
    OBJECT = "object"


#: The self-service action for each legal basis (``LegalBasis.code``). The other bases
#: (contract, legal obligation, vital interest, public task) cannot be ended there.
SELF_SERVICE_ACTIONS = {
    "consent": SelfServiceAction.WITHDRAW,
    "legitimate_interest": SelfServiceAction.OBJECT,
}

#: Why a purpose of each other basis cannot be ended on the "my data" page.
NOT_WITHDRAWABLE_REASONS = {
    "contract": _(
        "We need this to perform our contract with you, so it cannot be withdrawn here. "
        "If you have questions, contact the controller."
    ),
    "legal_obligation": _(
        "The law requires us to process this, so it cannot be withdrawn here. "
        "If you have questions, contact the controller."
    ),
    "vital_interest": _(
        "We need this to protect your life or health or that of another person, so it "
        "cannot be withdrawn here. If you have questions, contact the controller."
    ),
    "public_task": _(
        "We need this for a task carried out in the public interest, so it cannot be "
        "withdrawn here. To object on grounds relating to your particular situation "
        "(GDPR Art. 21), contact the controller."
    ),
}
NOT_WITHDRAWABLE_DEFAULT = _(
    "This cannot be withdrawn here. If you have questions, contact the controller."
)

#: The revocation reason each action records.
ACTION_REASONS = {
    SelfServiceAction.WITHDRAW: PurposeAssignment.RevocationReason.WITHDRAWN,
    SelfServiceAction.OBJECT: PurposeAssignment.RevocationReason.OBJECTION,
}


def self_service_action(purpose: ProcessingPurpose) -> SelfServiceAction | None:
    """Withdraw (consent), object (legitimate interest) or nothing (the other bases)."""
    return SELF_SERVICE_ACTIONS.get(purpose.legal_basis.code)


def not_withdrawable_reason(purpose: ProcessingPurpose) -> str:
    """Why a visitor cannot end ``purpose`` themselves (for the bases without an action)."""
    return str(NOT_WITHDRAWABLE_REASONS.get(purpose.legal_basis.code, NOT_WITHDRAWABLE_DEFAULT))


@dataclass(frozen=True)
class OwnPurpose:
    """One of the contact's purposes as the "my data" page shows it."""

    assignment: PurposeAssignment

    @property
    def action(self) -> SelfServiceAction | None:
        return self_service_action(self.assignment.purpose)

    @property
    def can_withdraw(self) -> bool:
        return self.action is SelfServiceAction.WITHDRAW

    @property
    def can_object(self) -> bool:
        return self.action is SelfServiceAction.OBJECT

    @property
    def objected(self) -> bool:
        reason = self.assignment.revocation_reason
        return reason == PurposeAssignment.RevocationReason.OBJECTION

    @property
    def not_withdrawable_reason(self) -> str:
        return "" if self.action else not_withdrawable_reason(self.assignment.purpose)

    @property
    def is_consent(self) -> bool:
        """Something the person agreed to, rather than processing on another legal basis."""
        return self.assignment.purpose.legal_basis.code == "consent"

    @property
    def legal_basis(self) -> str:
        """The purpose's legal basis, translated."""
        return str(self.assignment.purpose.legal_basis)


def own_purposes(contact: Contact) -> list[OwnPurpose]:
    """The contact's purposes (current and past) with what they may do with each."""
    assignments = contact.assignments.select_related("purpose", "purpose__legal_basis")
    return [OwnPurpose(a) for a in assignments.order_by("purpose__name", "pk")]


def split_by_consent(purposes: list[OwnPurpose]) -> tuple[list[OwnPurpose], list[OwnPurpose]]:
    """What the person agreed to (consent), and what is processed on other grounds."""
    return [p for p in purposes if p.is_consent], [p for p in purposes if not p.is_consent]


class WithdrawOutcome(enum.Enum):
    WITHDRAWN = "withdrawn"
    OBJECTED = "objected"
    #: The purpose's legal basis cannot be ended in self-service (contract, law, ...).
    REFUSED = "refused"
    #: No such purpose of this contact.
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Withdrawal:
    outcome: WithdrawOutcome
    purpose: OwnPurpose | None = None


def withdraw(contact: Contact, assignment_pk: int, *, client: dict[str, Any]) -> Withdrawal:
    """The contact ends one of their own purposes: withdraws consent or objects to
    legitimate interest. Other legal bases are refused, whatever the request says.

    ``client`` (IP address, user agent) goes into the consent record's evidence under
    ``withdrawal`` or ``objection``. Ending an ended purpose again changes nothing.
    """
    assignment = (
        PurposeAssignment.objects.select_related("purpose__legal_basis")
        .filter(contact=contact, pk=assignment_pk)
        .first()
    )
    if assignment is None:
        return Withdrawal(WithdrawOutcome.NOT_FOUND)
    own = OwnPurpose(assignment)
    if own.action is None:
        return Withdrawal(WithdrawOutcome.REFUSED, own)
    key = "objection" if own.action is SelfServiceAction.OBJECT else "withdrawal"
    revoke_assignment(
        assignment,
        reason=ACTION_REASONS[own.action],
        evidence={key: {"at": timezone.now().isoformat(), **client}},
    )
    outcome = WithdrawOutcome.OBJECTED if own.can_object else WithdrawOutcome.WITHDRAWN
    return Withdrawal(outcome, own)


def erase_self(contact: Contact, session: Any) -> None:
    """The contact erases themselves (the site's chosen mode) and the session ends."""
    erase_contacts([contact], app_settings.SELF_SERVICE_ERASURE_MODE)
    session.pop(SESSION_KEY, None)

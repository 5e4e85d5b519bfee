"""The preference centre reached from every campaign mail (service).

The footer of each campaign mail links here with the recipient's delivery token (the
same token as the unsubscribe link: random, stored only as a hash, never the address).
The token opens the page for ``PREFERENCE_LINK_DAYS`` after the mail was sent. The page
shows the purposes the contact holds or held, each with the text they agreed to (the
purpose's version at the time) and today's text and retention; the contact may
withdraw a purpose based on consent, object to one based on legitimate interest (both
through :func:`wagtail_gdpr_mail.rights.access.withdraw`, so through the one writer,
:func:`~wagtail_gdpr_mail.consent.assignments.revoke_assignment`), and ask to be asked
again for a purpose they withdrew or that lapsed: a double opt-in like a form's
(:func:`wagtail_gdpr_mail.subscriptions.formless.ask_again`), never a silent renewal.
The views (:mod:`.preference_views`) only translate HTTP into these calls.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Revision

from .. import audit
from ..consent.evidence import client_info
from ..mail import link_url
from ..models import ConsentRecord, Contact, Delivery, ProcessingPurpose, PurposeAssignment
from ..rights import access
from ..subscriptions import formless
from ..subscriptions.forms import purpose_snapshot
from . import unsubscribe
from .tracking import link_expires_at, site_root, token_is_current

#: The confirmation mail of a purpose asked for again (placeholders as in a form's mail).
ASK_AGAIN_SUBJECT = _("Please confirm that we may write to you again")
ASK_AGAIN_BODY = _(
    "Hello {name},\n\n"
    "you asked {controller} to use your e-mail address again for the purpose listed "
    "below. Please confirm by opening this link:\n\n{confirm_url}\n\n"
    "If you did not ask for this, ignore this message: without your confirmation "
    "nothing changes.\n\n"
    "{controller}"
)


def preference_url(token: str) -> str:
    """The absolute URL of the preference centre for a delivery's ``token``."""
    try:
        return link_url("", "wagtail_gdpr_mail:preferences", token)
    except NoReverseMatch:  # the app's URLs are not included
        return ""


def mask_email(email: str) -> str:
    """``jane.doe@example.com`` -> ``j•••@e•••.com``: enough for the person to recognise
    their address, too little for anyone else to learn it."""
    local, _at, domain = (email or "").partition("@")
    host, dot, tld = domain.rpartition(".")
    if not host:
        host, dot, tld = domain, "", ""
    return f"{local[:1]}•••@{host[:1]}•••{dot}{tld}"


def find_delivery(token: str) -> Delivery | None:
    """The delivery of a preference link that still works: known token of a contact who
    was not erased (as for the unsubscribe link), and within the link's lifetime."""
    delivery = unsubscribe.find_delivery(token)
    if delivery is None or not token_is_current(delivery):
        return None
    return delivery


# --- What the page shows -----------------------------------------------------------


@dataclass
class ShownPurpose:
    """One purpose on the preference centre: the contact's latest assignment of it."""

    own: access.OwnPurpose
    #: The purpose's text in the version the contact agreed to ("" if unknown).
    agreed_text: str = ""
    agreed_version: int | None = None
    current_version: int | None = None

    @property
    def assignment(self) -> PurposeAssignment:
        return self.own.assignment

    @property
    def purpose(self) -> ProcessingPurpose:
        return self.own.assignment.purpose

    @property
    def text_changed(self) -> bool:
        return bool(self.agreed_text) and self.agreed_text != self.purpose.visitor_text

    @property
    def is_current(self) -> bool:
        return self.assignment.revoked_at is None and self.assignment.status != "expired"

    @property
    def can_ask_again(self) -> bool:
        """Withdrawn or lapsed, based on consent, and still offered by the site."""
        return not self.is_current and self.own.is_consent and self.purpose.is_active


@dataclass
class PreferenceCentre:
    delivery: Delivery
    masked_email: str
    purposes: list[ShownPurpose] = field(default_factory=list)

    @property
    def expires_at(self) -> Any:
        return link_expires_at(self.delivery)


def _latest_per_purpose(contact: Contact) -> list[access.OwnPurpose]:
    """Per purpose the assignment that counts: the current one, else the latest ended."""
    chosen: dict[int, access.OwnPurpose] = {}
    for own in access.own_purposes(contact):
        a = own.assignment
        held = chosen.get(a.purpose_id)
        if held is None or (held.assignment.revoked_at is not None and a.revoked_at is None):
            chosen[a.purpose_id] = own
        elif (held.assignment.revoked_at is None) == (a.revoked_at is None) and (
            a.valid_from > held.assignment.valid_from
        ):
            chosen[a.purpose_id] = own
    return sorted(chosen.values(), key=lambda o: (o.assignment.purpose.name, o.assignment.pk))


def _agreed_revisions(assignments: list[PurposeAssignment]) -> dict[int, int]:
    """``{assignment pk: purpose revision id}`` of the last "given" or "renewed" record."""
    rows = (
        ConsentRecord.objects.filter(
            assignment__in=assignments,
            event__in=[ConsentRecord.Event.GIVEN, ConsentRecord.Event.RENEWED],
            purpose_revision__isnull=False,
        )
        .order_by("assignment_id", "pk")
        .values_list("assignment_id", "purpose_revision_id")
    )
    return dict(rows)  # later rows win: the last agreement


def centre(delivery: Delivery) -> PreferenceCentre:
    """Everything the preference centre shows for ``delivery``'s contact."""
    contact = delivery.contact
    owns = _latest_per_purpose(contact)
    agreed = _agreed_revisions([o.assignment for o in owns])
    current = {o.assignment.purpose_id: o.assignment.purpose.latest_revision_id for o in owns}
    contents = dict(Revision.objects.filter(pk__in=agreed.values()).values_list("pk", "content"))
    versions = ProcessingPurpose.objects.version_numbers([*agreed.values(), *current.values()])
    shown = []
    for own in owns:
        revision_id = agreed.get(own.assignment.pk)
        content = contents.get(revision_id) or {}
        shown.append(
            ShownPurpose(
                own=own,
                agreed_text=str(content.get("visitor_text") or ""),
                agreed_version=versions.get(revision_id),
                current_version=versions.get(current.get(own.assignment.purpose_id)),
            )
        )
    return PreferenceCentre(delivery, mask_email(contact.email), shown)


# --- What the contact may do ---------------------------------------------------------


def _via(delivery: Delivery, request: HttpRequest) -> dict[str, Any]:
    """The evidence of an action taken on the preference centre."""
    return {
        **client_info(request),
        "via": "preference_centre",
        "campaign_id": delivery.campaign_id,
        "delivery_id": delivery.pk,
    }


def withdraw(delivery: Delivery, assignment_pk: int, request: HttpRequest) -> access.Withdrawal:
    """Withdraw consent to, or object to, one of the contact's purposes (other legal bases
    are refused, whatever the request says)."""
    return access.withdraw(delivery.contact, assignment_pk, client=_via(delivery, request))


class AskAgainOutcome(enum.Enum):
    #: A confirmation mail is on its way.
    SENT = "sent"
    #: No mail may go now (just sent one, daily limit reached, address bounced).
    NOT_NOW = "not_now"
    #: Nothing to ask again for: the purpose is held, not on consent, or not offered.
    REFUSED = "refused"


@dataclass(frozen=True)
class AskAgain:
    outcome: AskAgainOutcome
    purpose: ProcessingPurpose | None = None


def ask_again(delivery: Delivery, purpose_pk: int, request: HttpRequest) -> AskAgain:
    """The contact asks to give a withdrawn or lapsed purpose again: a double opt-in mail
    to their address; the purpose is theirs again only once they confirm by its link."""
    contact = delivery.contact
    found = [p for p in centre(delivery).purposes if p.purpose.pk == purpose_pk]
    if not found or not found[0].can_ask_again:
        return AskAgain(AskAgainOutcome.REFUSED, found[0].purpose if found else None)
    purpose = found[0].purpose
    language = getattr(request, "LANGUAGE_CODE", None)
    with translation.override(language):
        mail = {"subject": str(ASK_AGAIN_SUBJECT), "body": str(ASK_AGAIN_BODY)}
    form = {
        "source": "preference_centre",
        "campaign_id": delivery.campaign_id,
        "delivery_id": delivery.pk,
        "main_purpose": purpose_snapshot(purpose),
        "extra_purposes": [],
    }
    pending = formless.ask_again(
        contact, [purpose], request=request, form=form, mail=mail, base_url=site_root()
    )
    if pending is None:
        return AskAgain(AskAgainOutcome.NOT_NOW, purpose)
    audit.log_action(
        contact,
        audit.ASK_AGAIN,
        data={
            "purpose_id": purpose.pk,
            "signup_id": pending.pk,
            "campaign_id": delivery.campaign_id,
        },
    )
    return AskAgain(AskAgainOutcome.SENT, purpose)

"""The unsubscribe link of a campaign mail (and the RFC 8058 one-click POST).

The link's token belongs to one delivery row. Using it revokes the campaign's purpose
from the contact: as a withdrawal by unsubscribing when the campaign's unsubscribe
revokes the purpose, as an objection (GDPR Art. 21(2)–(3)) otherwise. Either way the
consent record holds the campaign, the delivery and the message id. Using it again
changes nothing and answers the same.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from ..consent.assignments import revoke_assignment
from ..consent.evidence import client_info
from ..locking import retry_when_locked, write_transaction
from ..models import Delivery, PurposeAssignment


class UnsubscribeOutcome(enum.Enum):
    DONE = "done"
    INVALID = "invalid"
    BUSY = "busy"


@dataclass
class UnsubscribeResult:
    outcome: UnsubscribeOutcome
    delivery: Delivery | None = None
    #: False when the contact no longer held the purpose (a second click).
    changed: bool = False


def find_delivery(token: str | None) -> Delivery | None:
    """The delivery of a link that still names a person (None: unknown or erased)."""
    delivery = Delivery.find_by_token(token)
    if delivery is None or delivery.contact_id is None or delivery.contact.is_anonymised:
        return None
    return delivery


def unsubscribe(token: str, request: HttpRequest) -> UnsubscribeResult:
    """Revoke the campaign's purpose from the delivery's contact, once."""

    def once() -> UnsubscribeResult:
        found = find_delivery(token)
        if found is None:
            return UnsubscribeResult(UnsubscribeOutcome.INVALID)
        now = timezone.now()
        with write_transaction():
            delivery = Delivery.objects.select_for_update().get(pk=found.pk)
            changed = end_campaign_purpose(
                found,
                evidence={
                    "one_click": request.POST.get("List-Unsubscribe") == "One-Click",
                    "at": now.isoformat(),
                    **client_info(request),
                },
            )
            if delivery.unsubscribed_at is None:
                delivery.unsubscribed_at = now
                delivery.save(update_fields=["unsubscribed_at"])
        return UnsubscribeResult(UnsubscribeOutcome.DONE, found, changed)

    return retry_when_locked(once, busy=UnsubscribeResult(UnsubscribeOutcome.BUSY))


def end_campaign_purpose(
    delivery: Delivery, *, evidence: dict[str, Any], reason: str | None = None
) -> bool:
    """End the campaign's purpose for the delivery's contact: as an unsubscribe when the
    campaign's unsubscribe revokes the purpose, as an objection otherwise (``reason``
    overrides: a complaint). The consent record holds the campaign, the delivery and the
    message id besides ``evidence``. False when nothing was held (or the contact is gone).
    Also used for unsubscribes and complaints the ESP reports (:mod:`.events`)."""
    campaign = delivery.campaign
    if delivery.contact_id is None:
        return False
    if reason is None:
        reason = (
            PurposeAssignment.RevocationReason.UNSUBSCRIBED
            if campaign.revokes_on_unsubscribe
            else PurposeAssignment.RevocationReason.OBJECTION
        )
    assignments = PurposeAssignment.objects.current().filter(
        contact_id=delivery.contact_id, purpose_id=campaign.purpose_id
    )
    changed = False
    for assignment in assignments.select_related("contact", "purpose"):
        changed |= revoke_assignment(
            assignment,
            reason=reason,
            evidence={
                "campaign_id": campaign.pk,
                "delivery_id": delivery.pk,
                "message_id": delivery.message_id,
                **evidence,
            },
        )
    return changed

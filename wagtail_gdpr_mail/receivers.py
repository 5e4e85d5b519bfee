"""Anymail tracking events -> the feature that sent the mail.

No ESP-specific parsing here: configure Anymail's tracking webhook for your
ESP (``anymail.urls``) and its normalised events reach :func:`handle_tracking_event`.
A hard bounce or a complaint suppresses the address and marks the outbox row
that the event's metadata names as failed; a complaint also withdraws every
purpose the unsubscribe link may revoke. Events of campaign mail also land on their
delivery row (:mod:`.campaigns.events`); an unsubscribe at the ESP and a complaint
end the campaign's purpose.
"""

from __future__ import annotations

import logging
from typing import Any

from anymail.signals import EventType, tracking
from django.db import transaction
from django.dispatch import receiver

from . import outbox
from .campaigns import events as campaign_events
from .campaigns.unsubscribe import end_campaign_purpose
from .consent.assignments import revoke_assignment
from .models import Contact, PurposeAssignment, Suppression

logger = logging.getLogger(__name__)

#: Anymail's "bounced" is a permanent failure; "rejected" means the ESP refused
#: to send to a known-bad or suppressed address. Soft bounces come as "deferred".
HARD_BOUNCES = {EventType.BOUNCED, EventType.REJECTED}
#: Identifies this module's receiver on Anymail's ``tracking`` signal (the system
#: checks ask whether it is connected).
TRACKING_DISPATCH_UID = "wagtail_gdpr_mail.tracking"


def revoke_after_complaint(email: str, *, esp_name: str, event_id: str | None) -> int:
    """A complaint withdraws every purpose of the address that unsubscribing may revoke."""
    contact = Contact.objects.by_email(email).first()
    if contact is None:
        return 0
    current = contact.assignments.current().filter(purpose__revocable_by_unsubscribe=True)
    revoked = 0
    for assignment in current:
        revoked += revoke_assignment(
            assignment,
            reason=PurposeAssignment.RevocationReason.COMPLAINT,
            evidence={"esp": esp_name, "event_id": event_id},
        )
    return revoked


@receiver(tracking, dispatch_uid=TRACKING_DISPATCH_UID)
def handle_tracking_event(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    with transaction.atomic():
        delivery = campaign_events.record_event(event)
        evidence = {"esp": esp_name, "event_id": event.event_id}
        if delivery is not None and event.event_type == EventType.UNSUBSCRIBED:
            end_campaign_purpose(delivery, evidence=evidence)
        if event.event_type not in HARD_BOUNCES | {EventType.COMPLAINED}:
            return
        contact = delivery.contact if delivery is not None else None
        recipient = event.recipient or (contact.email if contact is not None else "")
        if not recipient:
            return
        complained = event.event_type == EventType.COMPLAINED
        reason = Suppression.Reason.COMPLAINED if complained else Suppression.Reason.BOUNCED
        Suppression.add(reason=reason, email=recipient)
        outbox.mark_failed(event.metadata)
        if complained:
            if delivery is not None:
                end_campaign_purpose(
                    delivery,
                    reason=PurposeAssignment.RevocationReason.COMPLAINT,
                    evidence=evidence,
                )
            revoke_after_complaint(recipient, esp_name=esp_name, event_id=event.event_id)
    logger.info("%s from %s: address suppressed (%s).", event.event_type, esp_name, reason)

"""ESP events through Anymail's ``tracking`` signal: hard bounces and complaints.

No ESP-specific parsing here: configure Anymail's tracking webhook for your
ESP (``anymail.urls``) and its normalised events reach this receiver.
"""

from __future__ import annotations

import logging
from typing import Any

from anymail.signals import EventType, tracking
from django.db import transaction
from django.dispatch import receiver

from .assignments import revoke_assignment
from .models import Contact, PendingSignup, PurposeAssignment, Suppression

logger = logging.getLogger(__name__)

#: Anymail's "bounced" is a permanent failure; "rejected" means the ESP refused
#: to send to a known-bad or suppressed address. Soft bounces come as "deferred".
HARD_BOUNCES = {EventType.BOUNCED, EventType.REJECTED}


@receiver(tracking, dispatch_uid="wagtail_gdpr_mail.tracking")
def handle_tracking_event(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    if event.event_type not in HARD_BOUNCES | {EventType.COMPLAINED} or not event.recipient:
        return
    complained = event.event_type == EventType.COMPLAINED
    reason = Suppression.Reason.COMPLAINED if complained else Suppression.Reason.BOUNCED
    with transaction.atomic():
        Suppression.add(reason=reason, email=event.recipient)
        signup_id = (event.metadata or {}).get("gdpr_mail_signup")
        if signup_id and str(signup_id).isdigit():
            PendingSignup.objects.filter(pk=int(signup_id)).update(
                mail_status=PendingSignup.MailStatus.FAILED
            )
        if complained:
            # A complaint withdraws every purpose the unsubscribe link may revoke.
            contact = Contact.objects.by_email(event.recipient).first()
            if contact is not None:
                current = contact.assignments.current().filter(
                    purpose__revocable_by_unsubscribe=True
                )
                for assignment in current:
                    revoke_assignment(
                        assignment,
                        reason=PurposeAssignment.RevocationReason.COMPLAINT,
                        evidence={"esp": esp_name, "event_id": event.event_id},
                    )
    logger.info("%s from %s: address suppressed (%s).", event.event_type, esp_name, reason)

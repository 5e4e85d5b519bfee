"""The legitimate-interest information notice, and objecting through its link (Art. 21).

An editor sends the notice of a purpose based on legitimate interest to every
contact holding it validly (suppressed addresses excepted): one
:class:`InterestNotice` outbox row per contact, written by a Celery task; each
mail sent writes a "notice sent" consent record with the mail as sent. The
notice's "object" link (GET shows, POST acts) ends the assignment with the
reason "objection" and records it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .. import audit, outbox
from ..conf import app_settings
from ..legal.controller import default_site
from ..models import (
    ConsentRecord,
    InterestNotice,
    ProcessingPurpose,
    PurposeAssignment,
    Suppression,
)
from .assignments import revoke_assignment
from .evidence import client_info
from .links import LinkResult, use_link

#: The registered name of the task that writes and queues one sending's notices.
QUEUE_NOTICES_TASK = "wagtail_gdpr_mail.tasks.queue_interest_notices"


def is_notice_purpose(purpose: ProcessingPurpose) -> bool:
    """Only purposes based on legitimate interest have an information notice to send."""
    return purpose.legal_basis.is_legitimate_interest


def recipients(purpose: ProcessingPurpose, now: datetime | None = None) -> QuerySet:
    """Assignments holding ``purpose`` validly, of contacts that may be mailed."""
    suppressed = Suppression.objects.filter(address_index=OuterRef("contact__email_index"))
    return (
        PurposeAssignment.objects.valid_at(now)
        .filter(
            purpose=purpose,
            contact__anonymised_at__isnull=True,
            contact__email_index__isnull=False,
        )
        .exclude(Exists(suppressed))
        .order_by("pk")
    )


def start_sending(purpose: ProcessingPurpose, batch: uuid.UUID, *, user: Any = None) -> int:
    """Audit the sending and publish (after commit) the task that writes the notices.
    Returns how many contacts it will reach. ``batch`` comes with the confirmation
    form, so a double click sends once."""
    if not is_notice_purpose(purpose):
        raise ValueError("Only purposes based on legitimate interest send a notice.")
    count = recipients(purpose).count()
    audit.log_action(
        purpose, audit.SEND_NOTICE, user=user, data={"batch": str(batch), "recipients": count}
    )
    transaction.on_commit(lambda: outbox.publish(QUEUE_NOTICES_TASK, purpose.pk, str(batch)))
    return count


def queue_notices(purpose_id: int, batch: str) -> int:
    """Write one notice row per recipient of the purpose (once per batch) and queue its
    mail. Returns how many were written now; a repeated task writes none."""
    purpose = ProcessingPurpose.objects.select_related("legal_basis").filter(pk=purpose_id).first()
    if purpose is None or not is_notice_purpose(purpose):
        return 0
    site = default_site()
    base_url = (site.root_url if site is not None else "") + "/"
    expires_at = timezone.now() + timedelta(days=app_settings.NOTICE_LINK_DAYS)
    written = 0
    for assignment in recipients(purpose).iterator(chunk_size=500):
        try:
            with transaction.atomic():
                row = InterestNotice.objects.create(
                    assignment=assignment, batch=batch, expires_at=expires_at, base_url=base_url
                )
        except IntegrityError:
            continue  # this batch already wrote it
        outbox.queue_after_commit(row)
        written += 1
    return written


def still_wanted(row: InterestNotice) -> bool:
    email = row.assignment.contact.email
    return row.is_usable and bool(email) and not Suppression.objects.is_suppressed(email)


def record_sent(row: InterestNotice, snapshot: dict[str, Any], sent_at: datetime) -> None:
    """The proof that this contact was sent the notice: the mail as sent, in the chain."""
    assignment = row.assignment
    ConsentRecord.objects.append(
        contact=assignment.contact,
        purpose=assignment.purpose,
        assignment=assignment,
        event=ConsentRecord.Event.NOTICE_SENT,
        source=assignment.source,
        occurred_at=sent_at,
        evidence={"notice_id": row.pk, "batch": str(row.batch), "mail": snapshot},
    )


# --- Objecting ---------------------------------------------------------------------


def object_to_processing(token: str, request: HttpRequest) -> LinkResult:
    """End the processing the notice was about (reason "objection"), once."""

    def act(row: InterestNotice) -> PurposeAssignment:
        now = timezone.now()
        revoke_assignment(
            row.assignment,
            reason=PurposeAssignment.RevocationReason.OBJECTION,
            evidence={
                "notice_id": row.pk,
                "objection": {"at": now.isoformat(), **client_info(request)},
            },
        )
        row.objected_at = now
        row.save(update_fields=["objected_at"])
        return row.assignment

    return use_link(InterestNotice, token, act)

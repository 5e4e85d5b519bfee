"""Re-consent: before an assignment lapses, mail its contact a link that renews it.

A purpose with ``reconsent_enabled`` gets, ``reconsent_days_before`` days before
each assignment's ``valid_until``, one :class:`ReconsentRequest` (an outbox row)
per assignment and expiry: never two mails for one expiry, none to a suppressed
address. The link follows the double opt-in rules: GET shows a button, only the
POST renews, once, and only until the expiry it was sent for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .. import outbox
from ..conf import app_settings
from ..legal.controller import default_site
from ..models import (
    ContactSource,
    ProcessingPurpose,
    PurposeAssignment,
    ReconsentRequest,
    Suppression,
)
from .assignments import assign_purpose
from .evidence import client_info
from .links import LinkResult, use_link


@dataclass
class ReconsentRun:
    #: Assignments due for a mail (not yet mailed for their expiry, address not suppressed).
    due: int = 0
    #: Due but suppressed (erased, bounced, complained): they get nothing.
    suppressed: int = 0
    #: Mails queued (0 on a dry run).
    queued: int = 0


def due_assignments(purpose: ProcessingPurpose, now: datetime) -> QuerySet:
    """Valid assignments of ``purpose`` lapsing within its re-consent window and not yet
    mailed for their current expiry, oldest expiry first."""
    mailed = ReconsentRequest.objects.filter(
        assignment=OuterRef("pk"), valid_until=OuterRef("valid_until")
    )
    return (
        PurposeAssignment.objects.valid_at(now)
        .filter(
            purpose=purpose,
            valid_until__lte=now + timedelta(days=purpose.reconsent_days_before),
            contact__anonymised_at__isnull=True,
            contact__email_index__isnull=False,
        )
        .exclude(Exists(mailed))
        .order_by("valid_until", "pk")
    )


def _suppressed() -> Exists:
    return Exists(Suppression.objects.filter(address_index=OuterRef("contact__email_index")))


def queue_reconsent_mail(
    now: datetime | None = None, *, dry_run: bool = False, max_mails: int | None = None
) -> ReconsentRun:
    """Write and queue the re-consent mail of every due assignment, at most ``max_mails``
    per run (the next run carries on). ``dry_run`` only counts."""
    now = now or timezone.now()
    limit = app_settings.RECONSENT_MAX_PER_RUN if max_mails is None else max_mails
    run = ReconsentRun()
    site = default_site()
    base_url = (site.root_url if site is not None else "") + "/"
    purposes = ProcessingPurpose.objects.active().filter(
        reconsent_enabled=True, retention_amount__isnull=False
    )
    for purpose in purposes:
        due = due_assignments(purpose, now).annotate(suppressed=_suppressed())
        run.suppressed += due.filter(suppressed=True).count()
        wanted = due.filter(suppressed=False)
        run.due += wanted.count()
        if dry_run:
            continue
        for assignment in wanted[: max(limit - run.queued, 0)]:
            try:
                with transaction.atomic():
                    row = ReconsentRequest.objects.create(
                        assignment=assignment,
                        valid_until=assignment.valid_until,
                        base_url=base_url,
                    )
            except IntegrityError:
                continue  # another run wrote it first: its mail goes once, from there
            outbox.queue_after_commit(row)
            run.queued += 1
    return run


def still_wanted(row: ReconsentRequest) -> bool:
    """At send time: still usable, and the address may still be mailed."""
    email = row.assignment.contact.email
    return row.is_usable and bool(email) and not Suppression.objects.is_suppressed(email)


# --- Renewing ----------------------------------------------------------------------


def renew(token: str, request: HttpRequest) -> LinkResult:
    """Renew the assignment of the link's request — once, for the purpose's retention from
    now, with the mail as sent and the visitor's IP and user agent as evidence."""

    def act(row: ReconsentRequest) -> PurposeAssignment:
        now = timezone.now()
        assignment, _created = assign_purpose(
            row.assignment.contact,
            row.assignment.purpose,
            source=ContactSource.RECONSENT,
            valid_from=now,
            evidence={
                "reconsent_id": row.pk,
                "mail": row.mail_snapshot,
                "renewal": {"at": now.isoformat(), **client_info(request)},
            },
        )
        row.renewed_at = now
        row.save(update_fields=["renewed_at"])
        return assignment

    return use_link(ReconsentRequest, token, act)

"""Storage limitation (GDPR Art. 5(1)(e)): contacts kept longer than any purpose allows.

A contact is *due for erasure* when it holds no valid purpose now, none is
waiting to start, and its last validity ended more than
``WAGTAIL_GDPR_MAIL_STORAGE_GRACE_DAYS`` ago. The end of an assignment is its
revocation, or the end of its validity when that came first; the contact's last
validity is the latest end over its assignments, or its creation when it never
held a purpose. Anonymised contacts are never due. :func:`due_for_erasure` finds
them all in one query.

Editors erase them from the "Due for erasure" report (``admin/retention.py``);
the daily job (:func:`enforce_storage_limitation`) only counts them unless
``WAGTAIL_GDPR_MAIL_STORAGE_AUTO_ERASE`` says how to erase. Either way the
erasure is :func:`~.erasure.erase_contacts`, in bounded batches that each look
again whether the contact is still due, and every run is a
:class:`~wagtail_gdpr_mail.models.StorageLimitationRun` with one audit entry
holding its counts.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from .. import audit
from ..conf import app_settings
from ..dates import format_date
from ..models import Contact, PurposeAssignment, StorageLimitationRun
from ..models.contacts import ContactQuerySet
from .erasure import ErasureMode, erase_contacts

logger = logging.getLogger(__name__)

#: ``storage_ended_how`` of a contact whose last purpose lapsed (not revoked).
EXPIRED = "expired"
#: ``storage_ended_how`` of a contact that never held a purpose.
NEVER_HELD = "never"

# The assignment lapsed before anyone revoked it: its validity ended when it lapsed.
_LAPSED_BEFORE_REVOKED = Q(
    revoked_at__isnull=False, valid_until__isnull=False, valid_until__lt=F("revoked_at")
)


def _latest_ends() -> models.QuerySet:
    """The contact's assignments, the one whose validity ended last first."""
    return (
        PurposeAssignment.objects.filter(contact=OuterRef("pk"))
        .annotate(
            ended=Case(
                When(revoked_at__isnull=True, then=F("valid_until")),
                When(_LAPSED_BEFORE_REVOKED, then=F("valid_until")),
                default=F("revoked_at"),
                output_field=models.DateTimeField(),
            ),
            ended_how=Case(
                When(revoked_at__isnull=True, then=Value(EXPIRED)),
                When(_LAPSED_BEFORE_REVOKED, then=Value(EXPIRED)),
                When(revocation_reason="", then=Value(PurposeAssignment.RevocationReason.ADMIN)),
                default=F("revocation_reason"),
                output_field=models.CharField(),
            ),
        )
        .order_by(F("ended").desc(nulls_last=True), "-pk")
    )


def due_for_erasure(
    *, now: datetime | None = None, grace_days: int | None = None
) -> ContactQuerySet:
    """Contacts without a valid purpose for longer than the grace period, longest first.

    Annotated with ``storage_ended_at`` (when the last validity ended, or the
    creation) and ``storage_ended_how`` (:data:`EXPIRED`, :data:`NEVER_HELD` or
    the revocation reason). One query, whatever the number of contacts.
    """
    now = now or timezone.now()
    grace_days = app_settings.STORAGE_GRACE_DAYS if grace_days is None else grace_days
    latest = _latest_ends()
    waiting = PurposeAssignment.objects.current().filter(contact=OuterRef("pk"), valid_from__gt=now)
    return (
        Contact.objects.not_anonymised()
        .without_any_valid_purpose(now)
        .exclude(Exists(waiting))
        .annotate(
            storage_ended_at=Coalesce(
                Subquery(latest.values("ended")[:1], output_field=models.DateTimeField()),
                F("created_at"),
            ),
            storage_ended_how=Coalesce(
                Subquery(latest.values("ended_how")[:1], output_field=models.CharField()),
                Value(NEVER_HELD),
            ),
        )
        .filter(storage_ended_at__lt=now - timedelta(days=grace_days))
        .order_by("storage_ended_at", "pk")
    )


def storage_reason(contact: Contact) -> str:
    """Why a contact from :func:`due_for_erasure` is due, with the date, for editors."""
    date = format_date(contact.storage_ended_at)
    how = contact.storage_ended_how
    if how == NEVER_HELD:
        return gettext("Never held a purpose; created on %(date)s") % {"date": date}
    if how == EXPIRED:
        return gettext("Expired on %(date)s") % {"date": date}
    if how == PurposeAssignment.RevocationReason.WITHDRAWN:
        return gettext("Consent withdrawn on %(date)s") % {"date": date}
    reasons = dict(PurposeAssignment.RevocationReason.choices)
    return gettext("Revoked on %(date)s: %(reason)s") % {
        "date": date,
        "reason": reasons.get(how, how),
    }


def days_without_purpose(contact: Contact, now: datetime | None = None) -> int:
    """Whole days since the contact's last validity ended (or since it was created)."""
    return ((now or timezone.now()) - contact.storage_ended_at).days


def _finish(run: StorageLimitationRun, *, user: Any, data: dict[str, Any]) -> None:
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save(update_fields=["due", "erased", "finished_at"])
        audit.log_action(
            run,
            audit.STORAGE_LIMITATION,
            user=user,
            data={
                "trigger": run.trigger,
                "mode": run.mode,
                "grace_days": run.grace_days,
                "due": run.due,
                "erased": run.erased,
                **data,
            },
        )
    logger.info(
        "Storage limitation run %s (%s): %d due, %d erased (%s).",
        run.pk,
        run.trigger,
        run.due,
        run.erased,
        run.mode or "report only",
    )


def _start(trigger: str, mode: str, *, user: Any, now: datetime) -> StorageLimitationRun:
    return StorageLimitationRun.objects.create(
        trigger=trigger,
        mode=mode,
        grace_days=app_settings.STORAGE_GRACE_DAYS,
        started_at=now,
        user=user if audit.user_id(user) is not None else None,
    )


def erase_due(
    mode: str,
    *,
    user: Any = None,
    ids: Collection[int] | None = None,
    trigger: str = StorageLimitationRun.Trigger.EDITOR,
    now: datetime | None = None,
) -> StorageLimitationRun:
    """Erase the contacts due for erasure (only those of ``ids``, if given), in batches.

    Each batch is one transaction: it locks its contacts and looks again, so a
    contact that got a purpose in the meantime stays. Returns the run, with how
    many were due and how many were erased; its audit entry says the same.
    """
    mode = ErasureMode(mode)
    now = now or timezone.now()
    run = _start(trigger, str(mode), user=user, now=now)
    due = due_for_erasure(now=now, grace_days=run.grace_days)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    run.due = due.count()
    extra = {} if ids is None else {"selected": len(ids)}
    try:
        _erase_in_batches(run, due, user=user, now=now)
    except Exception:
        _finish(run, user=user, data={**extra, "interrupted": True})
        raise
    _finish(run, user=user, data=extra)
    return run


def _erase_in_batches(
    run: StorageLimitationRun, due: ContactQuerySet, *, user: Any, now: datetime
) -> None:
    size, last = app_settings.STORAGE_ERASE_BATCH_SIZE, 0
    while True:
        with transaction.atomic():
            pks = list(due.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
            if not pks:
                return
            last = pks[-1]
            # Lock, then look again: whoever got a purpose meanwhile is no longer due.
            list(Contact.objects.select_for_update().filter(pk__in=pks).values_list("pk"))
            still_due = list(due_for_erasure(now=now, grace_days=run.grace_days).filter(pk__in=pks))
            run.erased += erase_contacts(
                still_due, run.mode, user=user, audit_data={"storage_limitation_run": run.pk}
            )


def enforce_storage_limitation(now: datetime | None = None) -> StorageLimitationRun:
    """The daily job: erase the contacts due, the way ``STORAGE_AUTO_ERASE`` says, or,
    when it is off (the default), only count them. Audited either way; safe to repeat."""
    mode = app_settings.STORAGE_AUTO_ERASE
    now = now or timezone.now()
    if mode is not None:
        return erase_due(mode, trigger=StorageLimitationRun.Trigger.SCHEDULE, now=now)
    run = _start(StorageLimitationRun.Trigger.SCHEDULE, "", user=None, now=now)
    run.due = due_for_erasure(now=now, grace_days=run.grace_days).count()
    _finish(run, user=None, data={})
    return run

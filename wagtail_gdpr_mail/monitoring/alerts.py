"""Thresholds on an editor's access to personal data, and the alerts they raise.

The audit log is the record: every view, export and erasure is an entry
(``audit.ACCESS_ACTIONS``), and :mod:`wagtail_gdpr_mail.audit` sends
``personal_data_accessed`` for each. :func:`check_access` counts the editor's
entries within ``ALERT_WINDOW_MINUTES`` and raises an :class:`AccessAlert` when

- they opened more than ``ALERT_CONTACT_VIEWS`` contacts,
- they exported more than ``ALERT_EXPORTS`` contacts one by one,
- they exported many contacts at once (``ALERT_ON_BULK_EXPORT``),
- they exported from an IP address they never exported from before
  (``ALERT_ON_NEW_EXPORT_ADDRESS``; the first export only records its address).

An alert is an outbox row: its mail goes to the DPO and the admins through the
worker, after commit, retried and swept like every mail. The row's unique
(user, kind, window) makes one alert per editor, kind and window, even when two
processes cross the threshold at once. No alert holds personal data of a contact.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from wagtail.models import ModelLogEntry

from .. import audit, outbox
from ..conf import app_settings
from ..crypto import get_blind_index
from ..legal.controller import get_controller
from ..models import AccessAlert, AlertKind, KnownAccessAddress
from ..models.outbox import MailStatus
from ..signals import personal_data_accessed

logger = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def window_start(now: datetime) -> datetime:
    """The start of the fixed window ``now`` falls in (alerts are de-duplicated per window)."""
    size = timedelta(minutes=app_settings.ALERT_WINDOW_MINUTES)
    return EPOCH + ((now - EPOCH) // size) * size


def accesses_within(user_id: int, actions: set[str], now: datetime) -> int:
    """The editor's audit entries of ``actions`` within the last window's length."""
    since = now - timedelta(minutes=app_settings.ALERT_WINDOW_MINUTES)
    return ModelLogEntry.objects.filter(
        user_id=user_id, action__in=actions, timestamp__gt=since, timestamp__lte=now
    ).count()


def alert_recipients() -> list[str]:
    """``ALERT_RECIPIENTS``, else the DPO's e-mail and the addresses in ``ADMINS``."""
    if app_settings.ALERT_RECIPIENTS is not None:
        return app_settings.ALERT_RECIPIENTS
    found = [get_controller().dpo_email, *(address for _name, address in settings.ADMINS)]
    return list(dict.fromkeys(address for address in found if address))


def raise_alert(user: Any, kind: str, count: int, now: datetime) -> AccessAlert | None:
    """The window's alert of ``kind`` for ``user``, with its mail queued; None when the
    window already has one. Without anyone to tell (no DPO e-mail, no ``ADMINS``) the
    alert is kept for the report, its mail marked failed and an error logged."""
    recipients = alert_recipients()
    try:
        with transaction.atomic():
            alert = AccessAlert.objects.create(
                user_id=user.pk,
                username=user.get_username()[:150],
                kind=kind,
                window_start=window_start(now),
                count=count,
                created_at=now,
                mail_status=MailStatus.QUEUED if recipients else MailStatus.FAILED,
            )
    except IntegrityError:
        return None
    if recipients:
        outbox.queue_after_commit(alert)
    else:
        logger.error(
            "Access alert #%s (%s, user #%s) has nobody to go to: fill in the DPO's e-mail "
            "in the controller settings or set ADMINS.",
            alert.pk,
            kind,
            user.pk,
        )
    return alert


def _address_hash_candidates(ip: str) -> list[str]:
    return get_blind_index().candidates("ip:" + ip.strip().lower())


def is_new_export_address(user_id: int, ip: str, now: datetime) -> bool:
    """Whether ``ip`` is new for the editor's exports; records it. The first address an
    editor exports from is recorded without counting as new."""
    known = KnownAccessAddress.objects.filter(user_id=user_id)
    if not ip or known.filter(address_hash__in=_address_hash_candidates(ip)).exists():
        return False
    first = not known.exists()
    try:
        with transaction.atomic():
            KnownAccessAddress.objects.create(
                user_id=user_id,
                address_hash=get_blind_index().compute("ip:" + ip.strip().lower()),
                first_seen=now,
            )
    except IntegrityError:  # another request of the editor's recorded it just now
        return False
    return not first


def check_access(
    user: Any, action: str, *, count: int = 1, ip: str = "", now: datetime | None = None
) -> list[AccessAlert]:
    """Raise the alerts an editor's access just earned (after its audit entry is written)."""
    now = now or timezone.now()
    raised: list[AccessAlert | None] = []
    if action == audit.VIEW_CONTACT and app_settings.ALERT_CONTACT_VIEWS is not None:
        views = accesses_within(user.pk, {audit.VIEW_CONTACT}, now)
        if views > app_settings.ALERT_CONTACT_VIEWS:
            raised.append(raise_alert(user, AlertKind.VIEWS, views, now))
    if action in (audit.EXPORT, audit.EXPORT_BULK):
        bulk = action == audit.EXPORT_BULK or count > 1
        if bulk and app_settings.ALERT_ON_BULK_EXPORT:
            raised.append(raise_alert(user, AlertKind.BULK_EXPORT, count, now))
        if not bulk and app_settings.ALERT_EXPORTS is not None:
            exports = accesses_within(user.pk, {audit.EXPORT}, now)
            if exports > app_settings.ALERT_EXPORTS:
                raised.append(raise_alert(user, AlertKind.EXPORTS, exports, now))
        if app_settings.ALERT_ON_NEW_EXPORT_ADDRESS and is_new_export_address(user.pk, ip, now):
            raised.append(raise_alert(user, AlertKind.NEW_ADDRESS, count, now))
    return [alert for alert in raised if alert is not None]


@receiver(personal_data_accessed, dispatch_uid="wagtail_gdpr_mail.monitoring.check_access")
def _on_access(sender: Any, *, action: str, user: Any, count: int, ip: str, **kwargs: Any) -> None:
    check_access(user, action, count=count, ip=ip)

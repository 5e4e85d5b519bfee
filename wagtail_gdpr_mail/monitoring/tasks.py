"""The alert mail, sent through the outbox (see :mod:`wagtail_gdpr_mail.outbox`)."""

from __future__ import annotations

from celery import shared_task

from .. import outbox
from ..mail import get_adapter
from ..models import AccessAlert
from .alerts import alert_recipients


def _compose(alert: AccessAlert, token: str) -> outbox.Composed:
    return get_adapter().build_access_alert(alert, alert_recipients()), None


@shared_task(name=AccessAlert.outbox_task, **outbox.SEND_TASK_OPTIONS)
def send_access_alert(self, alert_id: int) -> str:
    """Mail one access alert to the DPO and the admins (nobody to tell: not sent)."""
    return outbox.deliver(
        self, AccessAlert, alert_id, compose=_compose, wanted=lambda alert: bool(alert_recipients())
    )

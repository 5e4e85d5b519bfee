"""The double opt-in mail, sent through the outbox (see :mod:`wagtail_gdpr_mail.outbox`)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from .. import outbox
from ..mail import get_adapter
from ..models.signups import PendingSignup


def _compose(signup: PendingSignup, token: str) -> outbox.Composed:
    message, snapshot = get_adapter().build_confirmation(signup, token)

    def keep_snapshot(row: PendingSignup, sent_at: datetime) -> list[str]:
        # The mail exactly as sent (link redacted) becomes part of the evidence.
        row.mail_snapshot = {**snapshot, "sent_at": sent_at.isoformat()}
        return ["mail_snapshot"]

    return message, keep_snapshot


@shared_task(name=PendingSignup.outbox_task, **outbox.SEND_TASK_OPTIONS)
def send_confirmation_mail(self, signup_id: int) -> str:
    """Send the double opt-in mail of one signup, once.

    Each attempt issues a fresh token (only its hash is stored). If a worker
    dies after the ESP accepted the mail but before the row was marked sent,
    the message is delivered again and the visitor gets a second mail with a
    second link; both links confirm, and the signup confirms once.
    """
    return outbox.deliver(
        self,
        PendingSignup,
        signup_id,
        compose=_compose,
        wanted=lambda signup: signup.confirmed_at is None and not signup.is_expired,
        related=("page",),
    )

"""Every Celery task of the app, for Celery's ``autodiscover_tasks()``.

Each task lives with its feature and is registered under an explicit, stable
name (the names below, which ``schedule.BEAT_SCHEDULE`` refers to). This module
only imports them.
"""

from .campaigns.tasks import send_campaign, start_campaign, start_due_campaigns
from .consent.tasks import (
    queue_interest_notices,
    queue_reconsent_mail,
    record_expiries,
    send_interest_notice,
    send_reconsent_mail,
)
from .outbox import purge_expired_signups, sweep_unsent_mail
from .rights.tasks import enforce_storage_limitation, request_access, send_access_mail
from .segments.tasks import run_bulk_operation
from .subscriptions.tasks import send_confirmation_mail

__all__ = [
    "enforce_storage_limitation",
    "purge_expired_signups",
    "queue_interest_notices",
    "queue_reconsent_mail",
    "record_expiries",
    "request_access",
    "run_bulk_operation",
    "send_access_mail",
    "send_campaign",
    "start_campaign",
    "start_due_campaigns",
    "send_confirmation_mail",
    "send_interest_notice",
    "send_reconsent_mail",
    "sweep_unsent_mail",
]

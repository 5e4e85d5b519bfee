"""The consent lifecycle's Celery tasks: expiry records (re-consent and notices follow)."""

from __future__ import annotations

from celery import shared_task

from ..schedule import RECORD_EXPIRIES
from . import expiry


@shared_task(name=RECORD_EXPIRIES, acks_late=True, ignore_result=True)
def record_expiries() -> int:
    """Daily: one "expired" consent record per lapsed assignment, bounded per run."""
    return expiry.record_expiries()

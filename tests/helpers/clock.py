"""A clock a test moves by hand: ``django.utils.timezone.now`` answers its time.

Code that asks ``timezone.now()`` (every validity query, the daily tasks, link
expiry) sees the clock; model field defaults bound to the real function at
import time (``created_at``) do not, which no test here relies on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone


class Clock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move on by ``timedelta(**delta)``; returns the new time."""
        self.now += timedelta(**delta)
        return self.now

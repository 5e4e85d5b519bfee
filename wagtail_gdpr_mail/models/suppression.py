"""Addresses that must not be mailed or silently brought back, kept only as keyed hashes."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import email_blind_index, email_blind_index_candidates


class SuppressionQuerySet(models.QuerySet):
    def for_email(self, email: str) -> SuppressionQuerySet:
        return self.filter(address_index__in=email_blind_index_candidates(email))

    def is_suppressed(self, email: str) -> bool:
        return self.for_email(email).exists()


class Suppression(models.Model):
    """An erased, hard-bounced or complained address: its blind index, never the address.

    Forms, imports and the API refuse a suppressed address; only a fresh double
    opt-in by the person lifts the suppression, and it is recorded as new consent.
    """

    class Reason(models.TextChoices):
        ERASED = "erased", _("Erased at the person's request")
        BOUNCED = "bounced", _("Hard bounce")
        COMPLAINED = "complained", _("Spam complaint")

    address_index = models.CharField(max_length=96, unique=True)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.pk}"

    @classmethod
    def add(cls, *, reason: str, email: str | None = None, index: str | None = None) -> None:
        """Suppress an address given in clear or by its blind index (idempotent)."""
        index = index or email_blind_index(email or "")
        cls.objects.get_or_create(address_index=index, defaults={"reason": reason})

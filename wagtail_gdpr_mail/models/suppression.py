"""Addresses that must not be mailed or silently brought back, kept only as keyed hashes."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import email_blind_index, email_blind_index_candidates, get_blind_index


class SuppressionQuerySet(models.QuerySet):
    def for_email(self, email: str) -> SuppressionQuerySet:
        """Suppressions of ``email`` under every configured blind-index key."""
        return self.filter(address_index__in=email_blind_index_candidates(email))

    def is_suppressed(self, email: str) -> bool:
        return self.for_email(email).exists()

    def rekey(self, old_index: str, new_index: str) -> int:
        """Move a suppression from ``old_index`` to ``new_index`` (the same address
        under the current key). The address is needed to compute ``new_index``, which
        is why suppressions are re-keyed only where the address is seen."""
        if old_index == new_index:
            return 0
        if self.filter(address_index=new_index).exists():
            return self.filter(address_index=old_index).delete()[0]
        return self.filter(address_index=old_index).update(address_index=new_index)


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
        """Suppress an address given in clear or by its blind index (idempotent).

        Given the address, a suppression still hashed under an older blind-index key
        is moved to the current key instead of being added twice.
        """
        if index is None:
            index = email_blind_index(email or "")
            index_keys = get_blind_index()
            for old in cls.objects.for_email(email or "").values_list("address_index", flat=True):
                if index_keys.needs_rotation(old):
                    cls.objects.rekey(old, index)
        cls.objects.get_or_create(address_index=index, defaults={"reason": reason})

"""Access monitoring: the alerts sent when an editor's access to personal data crosses a
threshold, and the addresses each editor has exported from.

Neither row holds personal data of contacts. An alert names the editor (a user id)
and counts; an address is kept only as a keyed hash (the blind-index keys).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .outbox import OutboxMessage


class AlertKind(models.TextChoices):
    VIEWS = "views", _("Many contacts viewed")
    EXPORTS = "exports", _("Many contacts exported")
    BULK_EXPORT = "bulk_export", _("Bulk export")
    NEW_ADDRESS = "new_address", _("Export from a new IP address")


class AccessAlert(OutboxMessage):
    """One alert mail to the DPO and the site's admins, at most one per editor, kind and
    window (the unique constraint de-duplicates, even across processes)."""

    outbox_task = "wagtail_gdpr_mail.tasks.send_access_alert"
    outbox_metadata_key = "gdpr_mail_access_alert"

    # A plain id, not a foreign key: deleting a user must not rewrite the record.
    user_id = models.BigIntegerField(_("user"))
    username = models.CharField(_("username"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    window_start = models.DateTimeField(_("window"))
    count = models.PositiveIntegerField(_("count"), default=0)
    created_at = models.DateTimeField(_("raised"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("access alert")
        verbose_name_plural = _("access alerts")
        ordering = ["-created_at", "-pk"]
        permissions = [("view_access_report", _("Can view the access report"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "kind", "window_start"], name="gdpr_mail_unique_access_alert"
            )
        ]

    def __str__(self) -> str:
        return f"Access alert #{self.pk}"

    def issue_token(self) -> str:
        """No link in this mail (the outbox asks every row for one)."""
        return ""


class KnownAccessAddress(models.Model):
    """An IP address an editor has exported from, as a keyed hash."""

    user_id = models.BigIntegerField()
    address_hash = models.CharField(max_length=96)
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "address_hash"], name="gdpr_mail_unique_known_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.address_hash[:12]}"

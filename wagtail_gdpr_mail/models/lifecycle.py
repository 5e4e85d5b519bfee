"""Mail of the consent lifecycle: re-consent requests, legitimate-interest notices."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedJSONField, row_key_field
from .consent import PurposeAssignment
from .outbox import LinkMessage


class ReconsentRequest(LinkMessage):
    """One re-consent mail: for one assignment and the expiry it was sent for.

    Unique per (assignment, ``valid_until``), so one expiry never gets two
    mails. The link's token is stored only as a hash; it renews once, and only
    until the expiry it was sent for (``is_usable``).
    """

    outbox_task = "wagtail_gdpr_mail.tasks.send_reconsent_mail"
    outbox_metadata_key = "gdpr_mail_reconsent"
    token_related = ("assignment__purpose", "assignment__contact")

    row_key = row_key_field()  # binds the encrypted snapshot to this row
    assignment = models.ForeignKey(
        PurposeAssignment, on_delete=models.CASCADE, related_name="reconsent_requests"
    )
    #: The expiry this mail asks to renew.
    valid_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    base_url = models.CharField(max_length=255, blank=True)
    #: The mail as sent (link redacted): the evidence of a renewal.
    mail_snapshot = EncryptedJSONField(null=True)
    renewed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("re-consent request")
        verbose_name_plural = _("re-consent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "valid_until"], name="gdpr_mail_one_reconsent_per_expiry"
            )
        ]

    def __str__(self) -> str:
        return f"Re-consent request #{self.pk}"

    @property
    def is_usable(self) -> bool:
        """Not used, and the assignment still holds the validity the mail was sent for."""
        assignment = self.assignment
        return (
            self.renewed_at is None
            and self.valid_until > timezone.now()
            and assignment.revoked_at is None
            and assignment.valid_until == self.valid_until
        )

    @classmethod
    def awaiting_mail(cls, now: datetime) -> models.QuerySet:
        return cls.objects.filter(
            mail_status=cls.MailStatus.QUEUED, renewed_at__isnull=True, valid_until__gt=now
        )

    @classmethod
    def purge_expired(cls, now: datetime) -> int:
        """Requests whose expiry passed: the assignment is no longer due, so nothing can
        mail it twice; a renewal's evidence lives in its consent record."""
        _, per_model = cls.objects.filter(valid_until__lte=now).delete()
        return per_model.get(cls._meta.label, 0)


class InterestNotice(LinkMessage):
    """The legitimate-interest information notice mailed to one contact.

    Written per contact by one sending action (``batch``, unique with the
    assignment, so a double click sends once); carries the per-recipient token
    of the notice's "object" link (stored only as a hash). Once sent, a
    "notice sent" consent record holds the mail as sent.
    """

    outbox_task = "wagtail_gdpr_mail.tasks.send_interest_notice"
    outbox_metadata_key = "gdpr_mail_notice"
    token_related = ("assignment__purpose", "assignment__contact")

    row_key = row_key_field()  # binds the encrypted snapshot to this row
    assignment = models.ForeignKey(
        PurposeAssignment, on_delete=models.CASCADE, related_name="interest_notices"
    )
    #: One sending action of an editor.
    batch = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)
    #: Until when the notice's "object" link works (the right to object does not end).
    expires_at = models.DateTimeField()
    base_url = models.CharField(max_length=255, blank=True)
    mail_snapshot = EncryptedJSONField(null=True)
    objected_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("legitimate-interest notice")
        verbose_name_plural = _("legitimate-interest notices")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "batch"], name="gdpr_mail_one_notice_per_batch"
            )
        ]

    def __str__(self) -> str:
        return f"Legitimate-interest notice #{self.pk}"

    @property
    def is_usable(self) -> bool:
        """Not objected through yet, link not expired, the purpose still held."""
        return (
            self.objected_at is None
            and self.expires_at > timezone.now()
            and self.assignment.revoked_at is None
        )

    @classmethod
    def awaiting_mail(cls, now: datetime) -> models.QuerySet:
        return cls.objects.filter(mail_status=cls.MailStatus.QUEUED, expires_at__gt=now)

    @classmethod
    def purge_expired(cls, now: datetime) -> int:
        """Notices whose link expired: the consent record keeps the mail as sent."""
        _, per_model = cls.objects.filter(expires_at__lte=now).delete()
        return per_model.get(cls._meta.label, 0)

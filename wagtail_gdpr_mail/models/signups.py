"""Submitted forms waiting for the double opt-in: not contacts, never listed or exported."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedJSONField, EncryptedTextField
from .contacts import ContactList

TOKEN_BYTES = 32  # 256 bits


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class PendingSignupQuerySet(models.QuerySet):
    def unexpired(self) -> PendingSignupQuerySet:
        return self.filter(expires_at__gt=timezone.now())

    def awaiting_confirmation(self) -> PendingSignupQuerySet:
        return self.unexpired().filter(confirmed_at__isnull=True)


class PendingSignup(models.Model):
    """A subscription form submission; the outbox row of its confirmation mail.

    Everything personal is encrypted. The row becomes a contact only when the
    visitor confirms through the link in the mail.
    """

    class MailStatus(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent (quiet period)")

    email = EncryptedTextField()
    email_index = models.CharField(max_length=96, db_index=True)
    #: first/last name, the requested purposes, submission IP and user agent,
    #: the form exactly as shown, the mail's texts.
    data = EncryptedJSONField(default=dict)
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    form_id = models.CharField(max_length=64)
    contact_list = models.ForeignKey(ContactList, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    mail_status = models.CharField(
        max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED, db_index=True
    )
    mail_attempts = models.PositiveIntegerField(default=0)
    mail_last_attempt_at = models.DateTimeField(null=True)
    mail_sent_at = models.DateTimeField(null=True)
    mail_message_id = models.CharField(max_length=255, blank=True)
    #: the mail as sent, with the confirmation link redacted (tokens are only
    #: ever stored hashed).
    mail_snapshot = EncryptedJSONField(null=True)
    confirmed_at = models.DateTimeField(null=True)

    objects = PendingSignupQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending signup")
        verbose_name_plural = _("pending signups")

    def __str__(self) -> str:
        return f"Pending signup #{self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def issue_token(self) -> str:
        """A new random confirmation token for this signup; only its hash is stored."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        SignupToken.objects.create(signup=self, token_hash=hash_token(token))
        return token


class SignupToken(models.Model):
    """The hash of one confirmation link.

    A signup may have several: each mail attempt issues its own token, so a
    mail re-sent after a crash does not invalidate the link of one that did go
    out. Any of them confirms; the signup confirms once.
    """

    signup = models.ForeignKey(PendingSignup, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("confirmation token")
        verbose_name_plural = _("confirmation tokens")

    def __str__(self) -> str:
        return f"Token of signup #{self.signup_id}"

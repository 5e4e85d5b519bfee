"""Submitted forms waiting for the double opt-in: not contacts, never listed or exported."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedJSONField, EncryptedTextField, row_key_field
from ..tokens import hash_token, lookup_hash, new_token
from .contacts import ContactList
from .outbox import OutboxMessage


class PendingSignupQuerySet(models.QuerySet):
    def unexpired(self) -> PendingSignupQuerySet:
        return self.filter(expires_at__gt=timezone.now())

    def awaiting_confirmation(self) -> PendingSignupQuerySet:
        return self.unexpired().filter(confirmed_at__isnull=True)


class PendingSignup(OutboxMessage):
    """A subscription form submission; the outbox row of its confirmation mail.

    Everything personal is encrypted. The row becomes a contact only when the
    visitor confirms through the link in the mail.
    """

    outbox_task = "wagtail_gdpr_mail.tasks.send_confirmation_mail"
    outbox_metadata_key = "gdpr_mail_signup"

    row_key = row_key_field()  # binds the encrypted values to this row
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
        token = new_token()
        SignupToken.objects.create(signup=self, token_hash=hash_token(token))
        return token

    @classmethod
    def find_by_token(cls, token: str | None) -> PendingSignup | None:
        token_hash = lookup_hash(token)
        if token_hash is None:
            return None
        row = SignupToken.objects.select_related("signup").filter(token_hash=token_hash).first()
        return row.signup if row else None

    @classmethod
    def awaiting_mail(cls, now: datetime) -> PendingSignupQuerySet:
        return cls.objects.awaiting_confirmation().filter(mail_status=cls.MailStatus.QUEUED)

    @classmethod
    def purge_expired(cls, now: datetime) -> int:
        """Signups whose link expired, confirmed or not: no longer needed."""
        _, per_model = cls.objects.filter(expires_at__lte=now).delete()
        return per_model.get(cls._meta.label, 0)


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

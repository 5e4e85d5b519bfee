"""Keys of the REST API: stored only as a hash, scoped, expiring, revocable; and the
stored answers that make a repeated POST with the same ``Idempotency-Key`` safe."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..crypto import EncryptedJSONField, row_key_field
from ..tokens import hash_token, lookup_hash, new_token

#: Every key starts with this, so a leaked key is recognisable (secret scanners).
KEY_PREFIX = "gm_"
#: How many characters after the prefix the admin shows to tell keys apart.
VISIBLE_CHARS = 8


class ApiScope(models.TextChoices):
    READ_CONTACTS = "read_contacts", _("Read contacts, purposes and segments")
    WRITE_CONTACTS = "write_contacts", _("Create and change contacts")
    ASSIGN = "assign", _("Assign and revoke purposes")
    EXPORT = "export", _("Export a contact's data")
    ERASE = "erase", _("Erase contacts")


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, when: datetime | None = None) -> ApiKeyQuerySet:
        """Keys neither revoked nor expired at ``when`` (default: now)."""
        when = when or timezone.now()
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=when),
            revoked_at__isnull=True,
        )


class ApiKey(models.Model):
    """One client of the API. Only the SHA-256 of the key is stored (the key is 256
    random bits, so a plain hash is enough); the key is shown once, on creation."""

    name = models.CharField(
        _("name"), max_length=100, help_text=_("Who uses the key, e.g. “Shop” or “CRM”.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    visible_part = models.CharField(_("key starts with"), max_length=16, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("Empty = the key does not expire.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_api_keys", _("Can manage API keys"))]

    def __str__(self) -> str:
        return gettext("API key “%(name)s”") % {"name": self.name}

    def issue(self) -> str:
        """A new random key for this (unsaved) row; only its hash is kept. Returns the key."""
        key = KEY_PREFIX + new_token()
        self.key_hash = hash_token(key)
        self.visible_part = key[: len(KEY_PREFIX) + VISIBLE_CHARS]
        return key

    @classmethod
    def find(cls, key: str | None) -> ApiKey | None:
        """The key's row, usable or not; None for anything that is no key of ours."""
        key_hash = lookup_hash(key)
        if key_hash is None or not key.startswith(KEY_PREFIX):  # type: ignore[union-attr]
            return None
        return cls.objects.filter(key_hash=key_hash).first()

    def is_usable(self, when: datetime | None = None) -> bool:
        when = when or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > when)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return gettext("revoked")
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return gettext("expired")
        return gettext("active")

    @property
    def scopes_display(self) -> str:
        labels = dict(ApiScope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in self.scopes or [])

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def touch(self, when: datetime | None = None, *, every: timedelta = timedelta(minutes=1)):
        """Record a use; at most one write per ``every`` (a busy client is no write load)."""
        when = when or timezone.now()
        if self.last_used_at is None or when - self.last_used_at >= every:
            type(self).objects.filter(pk=self.pk).update(last_used_at=when)
            self.last_used_at = when


class IdempotentRequest(models.Model):
    """The answer given to one ``Idempotency-Key`` of one API key.

    The idempotency key and the request are kept as hashes; the answer (which may
    hold personal data: a created contact) is encrypted. ``status`` is None while
    the first request is still running.
    """

    row_key = row_key_field()
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = EncryptedJSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key_hash"], name="gdpr_mail_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"Idempotent request #{self.pk}"

    def answer(self) -> tuple[int, Any]:
        return int(self.status or 0), self.body

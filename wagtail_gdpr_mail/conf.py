"""The app's settings: one place that reads them, with their defaults.

Every setting is ``WAGTAIL_GDPR_MAIL_<NAME>`` in the Django settings and is read
lazily, so ``override_settings`` works in tests. Each one is documented in
``docs/settings.md``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

PREFIX = "WAGTAIL_GDPR_MAIL_"


class AppSettings:
    def _setting(self, name: str, default: Any) -> Any:
        return getattr(django_settings, PREFIX + name, default)

    @staticmethod
    def setting_name(name: str) -> str:
        """The full Django setting name, for error messages."""
        return PREFIX + name

    @property
    def ENCRYPTION_KEYS(self) -> Any:
        """Keys for AES-256-GCM, ``"<key id>:<base64 of 32 bytes>"`` each; the first
        encrypts, all decrypt. A list, or one comma-separated string (as read from
        the environment)."""
        return self._setting("ENCRYPTION_KEYS", None)

    @property
    def BLIND_INDEX_KEYS(self) -> Any:
        """Keys for the HMAC-SHA256 blind index of e-mail addresses, same format as
        ``ENCRYPTION_KEYS``; the first computes new indexes, all are looked up."""
        return self._setting("BLIND_INDEX_KEYS", None)

    @property
    def ROTATION_BATCH_SIZE(self) -> int:
        """Rows re-encrypted per transaction by ``gdpr_mail_rotate_keys``."""
        return int(self._setting("ROTATION_BATCH_SIZE", 500))

    @property
    def EXPIRY_WARNING_DAYS(self) -> int:
        """Default "expires within N days" window offered in the contact filters."""
        return int(self._setting("EXPIRY_WARNING_DAYS", 30))


app_settings = AppSettings()

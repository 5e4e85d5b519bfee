"""Errors raised by wagtail-gdpr-mail.

Every error derives from :class:`GdprMailError` and, where one fits, from the
Django exception that says what kind of problem it is, so Django handles it the
way it handles its own (a configuration error stops start-up, a suspicious
operation becomes HTTP 400).
"""

from django.core.exceptions import ImproperlyConfigured, ValidationError


class GdprMailError(Exception):
    """Base class of every error this app raises."""


class ConfigurationError(GdprMailError, ImproperlyConfigured):
    """A setting is missing or wrong; the message names the setting."""


class DecryptionError(GdprMailError):
    """A stored value cannot be decrypted: wrong or missing key, or tampered data.

    The value is never returned as if it were plain text.
    """


class ConsentRecordError(GdprMailError):
    """A consent record was about to be changed or deleted: the log is append-only."""


class SuppressedAddressError(GdprMailError, ValidationError):
    """The address was erased, bounced or complained: only a fresh double opt-in by
    the person may bring it back."""


class ImportFileError(GdprMailError, ValidationError):
    """An uploaded import file cannot be read at all (not a spreadsheet, a zip bomb,
    an encoding that breaks mid-file, …); the message says why, in the editor's words."""

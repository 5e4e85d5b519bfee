"""The app's settings: one place that reads them, with their defaults.

Every setting is ``WAGTAIL_GDPR_MAIL_<NAME>`` in the Django settings and is read
lazily, so ``override_settings`` works in tests. Each one is documented in
``docs/settings.md``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

from .exceptions import ConfigurationError

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
    def CHAIN_KEYS(self) -> Any:
        """Keys for the HMAC-SHA256 links of the consent-record chain and the seals of
        its heads and checkpoints, same format as ``ENCRYPTION_KEYS``; the first links
        new records, all verify. Kept out of the database, so whoever can write the
        database still cannot forge, re-chain or truncate the proof of consent."""
        return self._setting("CHAIN_KEYS", None)

    @property
    def ROTATION_BATCH_SIZE(self) -> int:
        """Rows re-encrypted per transaction by ``gdpr_mail_rotate_keys``."""
        return int(self._setting("ROTATION_BATCH_SIZE", 500))

    @property
    def EXPIRY_WARNING_DAYS(self) -> int:
        """Default "expires within N days" window offered in the contact filters."""
        return int(self._setting("EXPIRY_WARNING_DAYS", 30))

    @property
    def CUSTOM_FIELDS(self) -> list[tuple[str, Any]]:
        """The contacts' custom fields the site uses, as ``(key, label)`` pairs (a bare
        key is labelled by itself): the contact form shows one labelled input each."""
        fields = []
        for item in self._setting("CUSTOM_FIELDS", ()) or ():
            key, label = (item, item) if isinstance(item, str) else tuple(item)
            fields.append((str(key), label))
        return fields

    # --- expiry, re-consent, legitimate-interest notice --------------------------

    @property
    def EXPIRY_BATCH_SIZE(self) -> int:
        """Lapsed assignments given their "expired" consent record per transaction."""
        return int(self._setting("EXPIRY_BATCH_SIZE", 500))

    @property
    def EXPIRY_MAX_PER_RUN(self) -> int:
        """At most this many "expired" records per run of the daily task; the next run
        carries on."""
        return int(self._setting("EXPIRY_MAX_PER_RUN", 20000))

    @property
    def RECONSENT_MAX_PER_RUN(self) -> int:
        """At most this many re-consent mails queued per run of the daily task; the next
        run carries on."""
        return int(self._setting("RECONSENT_MAX_PER_RUN", 5000))

    @property
    def NOTICE_LINK_DAYS(self) -> int:
        """Days the "object" link of a legitimate-interest notice works."""
        return int(self._setting("NOTICE_LINK_DAYS", 90))

    # --- subscription and double opt-in ------------------------------------------

    @property
    def SIGNUP_EXPIRY_DAYS(self) -> int:
        """Days a confirmation link stays valid; unconfirmed signups are purged after."""
        return int(self._setting("SIGNUP_EXPIRY_DAYS", 7))

    @property
    def QUIET_PERIOD_MINUTES(self) -> int:
        """A repeated submission for the same address within this many minutes makes no
        second pending signup; it resends the first one's mail (within
        ``RESEND_AFTER_SECONDS`` and ``CONFIRMATION_MAILS_PER_DAY``)."""
        return int(self._setting("QUIET_PERIOD_MINUTES", 60))

    @property
    def CONFIRMATION_MAILS_PER_DAY(self) -> int:
        """Confirmation mails sent to one address in 24 hours, first mails and resends
        together; beyond it a submission gets the usual answer and sends nothing."""
        return int(self._setting("CONFIRMATION_MAILS_PER_DAY", 3))

    @property
    def RESEND_AFTER_SECONDS(self) -> int:
        """A repeated submission within the quiet period resends the pending signup's
        confirmation mail, but not within this many seconds of the last one (a double
        click sends one mail)."""
        return int(self._setting("RESEND_AFTER_SECONDS", 60))

    @property
    def MIN_FILL_SECONDS(self) -> float:
        """A form sent back faster than this after it was rendered comes back, asking
        the person to press the button again (browser autofill is that fast)."""
        return float(self._setting("MIN_FILL_SECONDS", 2))

    @property
    def FORM_MAX_AGE_SECONDS(self) -> int:
        """A form sent back longer than this after it was rendered is refused with a
        friendly message (and a fresh form), so a captured form cannot be replayed."""
        return int(self._setting("FORM_MAX_AGE_SECONDS", 4 * 3600))

    @property
    def REPLY_TO(self) -> str | None:
        """Reply-To of the app's mail; ``None`` means the controller's e-mail, else the
        DPO's (controller settings of the site)."""
        return self._setting("REPLY_TO", None)

    @property
    def RATE_LIMIT_PER_IP(self) -> tuple[int, int]:
        """(submissions, seconds) allowed from one IP address."""
        count, seconds = self._setting("RATE_LIMIT_PER_IP", (20, 3600))
        return int(count), int(seconds)

    @property
    def RATE_LIMIT_PER_ADDRESS(self) -> tuple[int, int]:
        """(submissions, seconds) accepted for one e-mail address."""
        count, seconds = self._setting("RATE_LIMIT_PER_ADDRESS", (5, 3600))
        return int(count), int(seconds)

    @property
    def RATE_LIMIT_CACHE(self) -> str:
        """The cache alias that counts submissions."""
        return self._setting("RATE_LIMIT_CACHE", "default")

    @property
    def MAIL_ADAPTER(self) -> str:
        """Dotted path of the class that renders and sends the app's mail."""
        return self._setting("MAIL_ADAPTER", "wagtail_gdpr_mail.mail.MailAdapter")

    @property
    def FROM_EMAIL(self) -> str | None:
        """Sender of the confirmation mail; ``None`` means ``DEFAULT_FROM_EMAIL``."""
        return self._setting("FROM_EMAIL", None)

    @property
    def MAIL_MAX_ATTEMPTS(self) -> int:
        """How many times sending one confirmation mail is tried before it is marked failed."""
        return int(self._setting("MAIL_MAX_ATTEMPTS", 8))

    @property
    def MAIL_RETRY_BASE_SECONDS(self) -> float:
        """First retry delay after an ESP error; doubles with each attempt (max 10 min)."""
        return float(self._setting("MAIL_RETRY_BASE_SECONDS", 10))

    @property
    def SWEEP_AFTER_MINUTES(self) -> int:
        """The sweeper re-queues mail still not sent this many minutes after its last
        attempt. Keep it above the longest retry delay (10 minutes), or a row whose
        retry is still scheduled is queued twice."""
        return int(self._setting("SWEEP_AFTER_MINUTES", 15))

    @property
    def UNSENT_MAIL_ALERT_MINUTES(self) -> int:
        """Mail still queued this many minutes after its row was written is reported: the
        sweeper logs an error and the admin dashboard shows a panel (no worker seems to
        send it)."""
        return int(self._setting("UNSENT_MAIL_ALERT_MINUTES", 15))

    # --- data-subject rights ---------------------------------------------------------

    @property
    def SUPPRESS_ERASED(self) -> bool:
        """Keep a keyed hash of erased addresses so that no form, import or API call
        brings them back without a fresh double opt-in by the person."""
        return bool(self._setting("SUPPRESS_ERASED", True))

    @property
    def SELF_SERVICE_LINK_HOURS(self) -> int:
        """Hours the link of a self-service ("my data") mail stays valid."""
        return int(self._setting("SELF_SERVICE_LINK_HOURS", 24))

    @property
    def SELF_SERVICE_SESSION_MINUTES(self) -> int:
        """Minutes a visitor may manage their data after opening the link."""
        return int(self._setting("SELF_SERVICE_SESSION_MINUTES", 30))

    @property
    def SELF_SERVICE_ERASURE_MODE(self) -> str:
        """What "erase me" on the self-service page does: "anonymise" or "delete"."""
        return self._setting("SELF_SERVICE_ERASURE_MODE", "anonymise")

    # --- storage limitation ----------------------------------------------------------

    @property
    def STORAGE_GRACE_DAYS(self) -> int:
        """Days a contact may stay without any valid purpose before it is due for erasure."""
        return int(self._setting("STORAGE_GRACE_DAYS", 30))

    @property
    def STORAGE_AUTO_ERASE(self) -> str | None:
        """What the daily job does with contacts due for erasure: ``None`` (only count
        them, for the report), ``"anonymise"`` or ``"delete"``."""
        value = self._setting("STORAGE_AUTO_ERASE", None)
        if value not in (None, "anonymise", "delete"):
            raise ConfigurationError(
                f"{self.setting_name('STORAGE_AUTO_ERASE')} must be None, "
                f'"anonymise" or "delete", not {value!r}.'
            )
        return value

    @property
    def STORAGE_ERASE_BATCH_SIZE(self) -> int:
        """Contacts erased per transaction by the storage limitation."""
        return max(1, int(self._setting("STORAGE_ERASE_BATCH_SIZE", 200)))

    # --- security headers, access monitoring ------------------------------------------

    @property
    def CONTENT_SECURITY_POLICY(self) -> dict[str, list[str]] | None:
        """The ``Content-Security-Policy`` of the app's public pages, as directive ->
        sources; ``"'nonce'"`` stands for a fresh nonce per response. ``None`` or ``{}``
        sets none (the site's own CSP applies)."""
        return self._setting(
            "CONTENT_SECURITY_POLICY",
            {
                "default-src": ["'self'"],
                "script-src": ["'self'"],
                "style-src": ["'self'"],
                "img-src": ["'self'", "data:"],
                "object-src": ["'none'"],
                "base-uri": ["'none'"],
                "form-action": ["'self'"],
                "frame-ancestors": ["'none'"],
            },
        )

    @property
    def SECURITY_HEADERS(self) -> dict[str, str]:
        """Further headers of the app's public pages (a header the response already has
        is kept; an empty value sets none)."""
        return self._setting(
            "SECURITY_HEADERS",
            {
                "Referrer-Policy": "same-origin",
                "X-Content-Type-Options": "nosniff",
                "Permissions-Policy": (
                    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                    "browsing-topics=()"
                ),
            },
        )

    @property
    def ALERT_WINDOW_MINUTES(self) -> int:
        """Access monitoring counts an editor's accesses within this many minutes, and
        sends at most one alert of each kind per editor and window."""
        return max(1, int(self._setting("ALERT_WINDOW_MINUTES", 60)))

    @property
    def ALERT_CONTACT_VIEWS(self) -> int | None:
        """An alert when an editor opens more than this many contacts within the window
        (``None`` switches it off)."""
        value = self._setting("ALERT_CONTACT_VIEWS", 50)
        return None if value is None else int(value)

    @property
    def ALERT_EXPORTS(self) -> int | None:
        """An alert when an editor exports more than this many contacts one by one within
        the window (``None`` switches it off)."""
        value = self._setting("ALERT_EXPORTS", 10)
        return None if value is None else int(value)

    @property
    def ALERT_ON_BULK_EXPORT(self) -> bool:
        """An alert for any export of more than one contact at once."""
        return bool(self._setting("ALERT_ON_BULK_EXPORT", True))

    @property
    def ALERT_ON_NEW_EXPORT_ADDRESS(self) -> bool:
        """An alert when an editor exports from an IP address they have not exported from
        before (their first export only records its address)."""
        return bool(self._setting("ALERT_ON_NEW_EXPORT_ADDRESS", True))

    @property
    def ALERT_RECIPIENTS(self) -> list[str] | None:
        """Who gets the alerts; ``None`` means the DPO's e-mail (controller settings) and
        the addresses in ``ADMINS``."""
        value = self._setting("ALERT_RECIPIENTS", None)
        return None if value is None else [str(address) for address in value]

    @property
    def TWO_FACTOR_REQUIRED(self) -> bool:
        """With the optional two-factor sign-in (``wagtail_gdpr_mail.twofactor``): every
        admin user must set up a second factor before the admin opens. Off, only users
        who have one are asked for it."""
        return bool(self._setting("TWO_FACTOR_REQUIRED", True))

    # --- REST API ----------------------------------------------------------------------

    @property
    def API_RATE_LIMIT(self) -> tuple[int, int]:
        """(requests, seconds) one API key may make; beyond it the API answers 429 with
        ``Retry-After``."""
        count, seconds = self._setting("API_RATE_LIMIT", (600, 60))
        return int(count), int(seconds)

    @property
    def API_IDEMPOTENCY_HOURS(self) -> int:
        """Hours a POST's answer is kept for replay under its ``Idempotency-Key``."""
        return int(self._setting("API_IDEMPOTENCY_HOURS", 24))

    @property
    def API_PAGE_SIZE(self) -> int:
        """Items per page of the API's lists (a client may ask for up to 10 times as many
        with ``page_size``)."""
        return max(1, int(self._setting("API_PAGE_SIZE", 100)))

    # --- importing -----------------------------------------------------------------

    @property
    def IMPORT_DIR(self) -> str:
        """A private directory (not served, not under ``MEDIA_ROOT``) where uploaded
        import files wait for their run; each is deleted when its run ends. Every web
        process and Celery worker must see the same directory."""
        import os
        import tempfile

        default = os.path.join(tempfile.gettempdir(), "wagtail-gdpr-mail-imports")
        return str(self._setting("IMPORT_DIR", None) or default)

    @property
    def IMPORT_MAX_UPLOAD_BYTES(self) -> int:
        """The largest import file the admin accepts."""
        return int(self._setting("IMPORT_MAX_UPLOAD_BYTES", 100 * 1024 * 1024))

    @property
    def IMPORT_MAX_ROWS(self) -> int:
        """The most data rows one import file may have."""
        return int(self._setting("IMPORT_MAX_ROWS", 2_000_000))

    @property
    def IMPORT_MAX_CELL_CHARS(self) -> int:
        """The longest value an imported cell may hold; a longer one is a per-row error."""
        return int(self._setting("IMPORT_MAX_CELL_CHARS", 1000))

    @property
    def IMPORT_MAX_XLSX_BYTES(self) -> int:
        """The most an XLSX file may unpack to (its zip declares it before anything is
        unpacked): the guard against zip bombs."""
        return int(self._setting("IMPORT_MAX_XLSX_BYTES", 512 * 1024 * 1024))

    @property
    def IMPORT_BATCH_SIZE(self) -> int:
        """Rows per transaction of an import (each commits with the resume cursor)."""
        return max(1, int(self._setting("IMPORT_BATCH_SIZE", 5000)))

    # --- campaigns: preference centre and tracking -------------------------------

    @property
    def PREFERENCE_LINK_DAYS(self) -> int:
        """Days after a campaign mail was sent that its preference-centre link (and its
        open pixel and click recording) work. Later the page says the link has expired
        and offers the "my data" page; click redirects keep redirecting."""
        return max(1, int(self._setting("PREFERENCE_LINK_DAYS", 180)))

    @property
    def TRACKING_PURPOSE(self) -> str | int | None:
        """The processing purpose (its name, or its primary key) whose valid holders may
        get an open pixel and click redirects in campaign mail (ePrivacy Art. 5(3)).
        ``None``: no tracking for anyone."""
        return self._setting("TRACKING_PURPOSE", None)

    # --- campaigns -------------------------------------------------------------------

    @property
    def CAMPAIGN_BATCH_SIZE(self) -> int:
        """Recipients claimed together and sent in one ESP call (Anymail batch sending)."""
        return max(1, int(self._setting("CAMPAIGN_BATCH_SIZE", 500)))

    @property
    def CAMPAIGN_UNBATCHED_BACKENDS(self) -> list[str]:
        """Dotted paths of Anymail e-mail backends that cannot send a batch with
        per-recipient merge data and headers; they get one message per recipient, as every
        backend that is not Anymail's does."""
        return list(self._setting("CAMPAIGN_UNBATCHED_BACKENDS", []))

    @property
    def CAMPAIGN_MERGE_FIELD(self) -> str:
        """How the ESP writes a merge field in a batch's body, ``{name}`` standing for the
        field's name: ``"{{{{{name}}}}}"`` (the default, ``{{name}}``), ``"%recipient.{name}%"``
        for Mailgun, ``"-{name}-"`` for SendGrid (with Anymail's ``merge_field_format``)."""
        return str(self._setting("CAMPAIGN_MERGE_FIELD", "{{{{{name}}}}}"))

    @property
    def CAMPAIGN_RATE_LIMIT(self) -> float:
        """Campaign messages per second for the whole site (all workers, counted in the
        ``RATE_LIMIT_CACHE``); 0 = no limit. A dict ``{backend path: rate}`` sets it per ESP."""
        value = self._setting("CAMPAIGN_RATE_LIMIT", 0)
        if isinstance(value, dict):
            return float(value.get(django_settings.EMAIL_BACKEND, 0) or 0)
        return float(value or 0)

    @property
    def CAMPAIGN_LEASE_SECONDS(self) -> int:
        """How long a worker holds a claimed batch; after it another worker takes the batch
        over (its first worker died). Keep it above the time one batch takes to send."""
        return int(self._setting("CAMPAIGN_LEASE_SECONDS", 300))

    @property
    def CAMPAIGN_TASKS_PER_CAMPAIGN(self) -> int:
        """How many send tasks a starting campaign publishes (workers that share it)."""
        return max(1, int(self._setting("CAMPAIGN_TASKS_PER_CAMPAIGN", 4)))


app_settings = AppSettings()

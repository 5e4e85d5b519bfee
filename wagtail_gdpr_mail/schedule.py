"""The app's periodic tasks for Celery beat; importable from settings (no Django imports).

``CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE, ...}`` — or run the management
commands ``gdpr_mail_sweep`` (every minute), ``gdpr_mail_purge_signups``
(hourly) and ``gdpr_mail_storage_limitation`` (daily) from cron instead.
"""

#: Registered names of the periodic tasks (stable: queued messages and beat entries name them).
SWEEP_UNSENT_MAIL = "wagtail_gdpr_mail.tasks.sweep_unsent_mail"
PURGE_EXPIRED_SIGNUPS = "wagtail_gdpr_mail.tasks.purge_expired_signups"
ENFORCE_STORAGE_LIMITATION = "wagtail_gdpr_mail.tasks.enforce_storage_limitation"

BEAT_SCHEDULE = {
    "wagtail-gdpr-mail-sweep-unsent-mail": {"task": SWEEP_UNSENT_MAIL, "schedule": 60.0},
    "wagtail-gdpr-mail-purge-expired-signups": {"task": PURGE_EXPIRED_SIGNUPS, "schedule": 3600.0},
    "wagtail-gdpr-mail-enforce-storage-limitation": {
        "task": ENFORCE_STORAGE_LIMITATION,
        "schedule": 86400.0,
    },
}

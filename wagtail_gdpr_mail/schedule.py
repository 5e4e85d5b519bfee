"""The app's periodic tasks for Celery beat; importable from settings (no Django imports).

``CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE, ...}`` — or run the management
commands ``gdpr_mail_sweep`` (every minute) and ``gdpr_mail_purge_signups``
(hourly) from cron instead.
"""

BEAT_SCHEDULE = {
    "wagtail-gdpr-mail-sweep-unsent-mail": {
        "task": "wagtail_gdpr_mail.tasks.sweep_unsent_mail",
        "schedule": 60.0,
    },
    "wagtail-gdpr-mail-purge-expired-signups": {
        "task": "wagtail_gdpr_mail.tasks.purge_expired_signups",
        "schedule": 3600.0,
    },
}

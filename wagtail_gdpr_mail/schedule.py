"""The app's periodic tasks for Celery beat; importable from settings (no Django imports).

``CELERY_BEAT_SCHEDULE = {**BEAT_SCHEDULE, ...}`` — or run the management
commands ``gdpr_mail_sweep`` (every minute), ``gdpr_mail_purge_signups``
(hourly), ``gdpr_mail_campaign due`` (every minute), ``gdpr_mail_storage_limitation``, ``gdpr_mail_record_expiries`` and
``gdpr_mail_send_reconsent`` (daily) from cron instead.
"""

from celery.schedules import crontab

#: Registered names of the periodic tasks (stable: queued messages and beat entries name them).
SWEEP_UNSENT_MAIL = "wagtail_gdpr_mail.tasks.sweep_unsent_mail"
PURGE_EXPIRED_SIGNUPS = "wagtail_gdpr_mail.tasks.purge_expired_signups"
ENFORCE_STORAGE_LIMITATION = "wagtail_gdpr_mail.tasks.enforce_storage_limitation"
RECORD_EXPIRIES = "wagtail_gdpr_mail.tasks.record_expiries"
QUEUE_RECONSENT_MAIL = "wagtail_gdpr_mail.tasks.queue_reconsent_mail"
START_CAMPAIGN = "wagtail_gdpr_mail.tasks.start_campaign"
SEND_CAMPAIGN = "wagtail_gdpr_mail.tasks.send_campaign"
#: Every minute: start scheduled campaigns whose time came, pick up stalled ones.
START_DUE_CAMPAIGNS = "wagtail_gdpr_mail.tasks.start_due_campaigns"

BEAT_SCHEDULE = {
    "wagtail-gdpr-mail-sweep-unsent-mail": {"task": SWEEP_UNSENT_MAIL, "schedule": 60.0},
    "wagtail-gdpr-mail-purge-expired-signups": {"task": PURGE_EXPIRED_SIGNUPS, "schedule": 3600.0},
    "wagtail-gdpr-mail-start-due-campaigns": {"task": START_DUE_CAMPAIGNS, "schedule": 60.0},
    # Daily, at night (CELERY_TIMEZONE): the expiry records, re-consent mail, then
    # the contacts left without a valid purpose past the grace period.
    "wagtail-gdpr-mail-record-expiries": {
        "task": RECORD_EXPIRIES,
        "schedule": crontab(hour=3, minute=10),
    },
    "wagtail-gdpr-mail-queue-reconsent-mail": {
        "task": QUEUE_RECONSENT_MAIL,
        "schedule": crontab(hour=3, minute=40),
    },
    "wagtail-gdpr-mail-enforce-storage-limitation": {
        "task": ENFORCE_STORAGE_LIMITATION,
        "schedule": crontab(hour=4, minute=10),
    },
}

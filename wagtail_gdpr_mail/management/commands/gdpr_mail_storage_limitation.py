"""The daily storage limitation (for cron, instead of Celery beat)."""

from django.core.management.base import BaseCommand

from ...rights.retention import enforce_storage_limitation


class Command(BaseCommand):
    help = (
        "Count the contacts without a valid purpose past the grace period, and erase them "
        "if WAGTAIL_GDPR_MAIL_STORAGE_AUTO_ERASE says how. Run daily."
    )

    def handle(self, *args, **options):
        run = enforce_storage_limitation()
        self.stdout.write(
            f"Storage limitation run #{run.pk}: {run.due} due for erasure, "
            f"{run.erased} erased ({run.mode or 'report only'})."
        )

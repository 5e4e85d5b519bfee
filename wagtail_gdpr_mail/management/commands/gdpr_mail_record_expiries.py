"""Write the "expired" consent records of lapsed assignments (for cron, instead of Celery beat)."""

from django.core.management.base import BaseCommand

from ...consent.expiry import record_expiries


class Command(BaseCommand):
    help = (
        "Write one 'expired' consent record per assignment whose validity has passed. "
        "Run daily; a run is bounded and the next one carries on."
    )

    def handle(self, *args, **options):
        count = record_expiries()
        self.stdout.write(f"Recorded {count} expired assignment(s).")

"""Delete pending signups and access requests whose link expired (for cron, instead of Celery beat)."""

from django.core.management.base import BaseCommand

from ...outbox import purge_expired_signups


class Command(BaseCommand):
    help = "Delete pending signups and access requests whose link has expired. Run hourly."

    def handle(self, *args, **options):
        count = purge_expired_signups()
        self.stdout.write(f"Deleted {count} expired pending signup(s) and access request(s).")

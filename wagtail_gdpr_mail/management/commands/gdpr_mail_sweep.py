"""Queue again mail that is still not sent (for cron, instead of Celery beat)."""

from django.core.management.base import BaseCommand

from ...outbox import sweep_unsent_mail


class Command(BaseCommand):
    help = (
        "Re-queue mail (confirmations, 'my data' links) whose row still says 'not sent'. "
        "Run every minute."
    )

    def handle(self, *args, **options):
        count = sweep_unsent_mail()
        self.stdout.write(f"Re-queued {count} mail(s).")

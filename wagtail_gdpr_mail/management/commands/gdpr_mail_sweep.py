"""Queue again confirmation mail that is still not sent (for cron, instead of Celery beat)."""

from django.core.management.base import BaseCommand

from ...tasks import sweep_unsent_mail


class Command(BaseCommand):
    help = (
        "Re-queue confirmation mail whose pending signup still says 'not sent'. Run every minute."
    )

    def handle(self, *args, **options):
        count = sweep_unsent_mail()
        self.stdout.write(f"Re-queued {count} confirmation mail(s).")

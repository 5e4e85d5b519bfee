"""Queue the re-consent mail of assignments about to lapse (for cron, instead of Celery beat)."""

from django.core.management.base import BaseCommand

from ...consent.reconsent import queue_reconsent_mail


class Command(BaseCommand):
    help = (
        "Queue a re-consent mail for every assignment whose purpose asks for re-consent and "
        "that lapses within the purpose's window. Run daily. Never two mails for one expiry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be sent; send nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        run = queue_reconsent_mail(dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"Dry run: {run.due} mail(s) due, {run.suppressed} suppressed address(es) "
                "skipped; nothing sent."
            )
        else:
            self.stdout.write(
                f"Queued {run.queued} of {run.due} due re-consent mail(s); "
                f"{run.suppressed} suppressed address(es) skipped."
            )

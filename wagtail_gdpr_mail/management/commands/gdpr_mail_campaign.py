"""Send, pause, resume a campaign or show its status, from the command line or cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...campaigns import lifecycle, recipients
from ...campaigns.compose import CampaignNotSendable
from ...campaigns.recipients import SKIP_REASONS
from ...campaigns.sending import finish_if_done, send_all
from ...campaigns.tasks import start_due_campaigns
from ...models import Campaign


class Command(BaseCommand):
    help = (
        "send NAME_OR_ID [--dry-run] [--in-process]: start a campaign (the dry run prints "
        "the recipient count and the reasons for exclusion); pause / resume / status "
        "NAME_OR_ID; due: start scheduled campaigns that are due (every minute from cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["send", "pause", "resume", "status", "due"])
        parser.add_argument("campaign", nargs="?", help="the campaign's name (exact) or id")
        parser.add_argument(
            "--dry-run", action="store_true", help="send: only count, change nothing"
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="send / resume: send the batches in this process instead of Celery workers",
        )

    def handle(self, *args: Any, action: str, campaign: str | None, **options: Any) -> None:
        if action == "due":
            self.stdout.write(f"Touched {start_due_campaigns()} campaign(s).")
            return
        found = self._campaign(campaign)
        try:
            getattr(self, f"_{action}")(found, **options)
        except CampaignNotSendable as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    def _campaign(self, name: str | None) -> Campaign:
        if not name:
            raise CommandError("Name the campaign (its name or id).")
        campaign = Campaign.objects.filter(name=name).first()
        if campaign is None and name.isdigit():
            campaign = Campaign.objects.filter(pk=int(name)).first()
        if campaign is None:
            raise CommandError(f"No campaign named {name!r}.")
        return campaign

    def _send(self, campaign: Campaign, *, dry_run: bool, in_process: bool, **_: Any) -> None:
        if dry_run:
            count = recipients.count(campaign)
            problems = lifecycle.sending_problems(campaign)
            self.stdout.write(f"Recipients: {count.recipients}")
            self.stdout.write(f"In the lists and segments: {count.target}")
            self.stdout.write("Excluded:")
            self.stdout.write(f"  without a valid purpose: {count.no_valid_purpose}")
            self.stdout.write(f"  suppressed: {count.suppressed}")
            self.stdout.write(f"  anonymised: {count.anonymised}")
            self.stdout.write(f"  already recipients: {count.already_recipients}")
            for problem in problems:
                self.stdout.write(f"Cannot be sent: {problem}")
            return
        added = lifecycle.start(campaign)
        if added is None:
            raise CommandError(
                f"Campaign {campaign} is {campaign.get_status_display().lower()}; not started."
            )
        self.stdout.write(f"Started: {added} recipient(s).")
        if in_process:
            self._run(campaign)

    def _pause(self, campaign: Campaign, **_: Any) -> None:
        if not lifecycle.pause(campaign):
            raise CommandError("Only a campaign that is being sent can be paused.")
        self.stdout.write("Paused.")

    def _resume(self, campaign: Campaign, *, in_process: bool, **_: Any) -> None:
        if not lifecycle.resume(campaign):
            raise CommandError("Only a paused campaign can be resumed.")
        self.stdout.write("Resumed.")
        if in_process:
            self._run(campaign)

    def _status(self, campaign: Campaign, **_: Any) -> None:
        stats = campaign.statistics()
        self.stdout.write(f"{campaign.name}: {campaign.get_status_display()}")
        self.stdout.write(
            " ".join(f"{s}={stats[s]}" for s in ("queued", "sending", "sent", "failed", "skipped"))
            + f" ({stats['percent']}%)"
        )
        for status, reason, n in stats["reasons"]:
            self.stdout.write(f"  {status}: {SKIP_REASONS.get(reason, reason)}: {n}")

    def _run(self, campaign: Campaign) -> None:
        campaign.refresh_from_db()
        result = send_all(campaign)
        if result.error is not None:
            raise CommandError(f"The ESP failed: {type(result.error).__name__}; try again.")
        finish_if_done(campaign)
        self._status(campaign)

"""Walk every contact's consent-record chain and report what was changed or removed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...consent.checkpoint import (
    CheckpointError,
    checkpoint_problems,
    read_checkpoint,
    vanished_problems,
    write_checkpoint,
)
from ...consent.verify import ChainReport, verify_chains
from ...exceptions import ConfigurationError
from ...models import Contact


class Command(BaseCommand):
    help = (
        "Verify the keyed chain of every contact's consent records and its sealed head; "
        "report records that were changed, removed, inserted or wiped. Can write a signed "
        "checkpoint of every chain's head and later compare against it. Exits with status 1 "
        "when something is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contact", type=int, help="Check only the contact with this id.")
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="Also report chains that shrank or diverged since this checkpoint file.",
        )
        parser.add_argument(
            "--write-checkpoint",
            dest="write_to",
            metavar="FILE",
            help="Write a signed checkpoint of every chain's head to this file (keep it "
            "outside the database's reach).",
        )

    def handle(self, *args, contact=None, checkpoint=None, write_to=None, **options):
        if write_to and contact is not None:
            raise CommandError("--write-checkpoint covers every contact; drop --contact.")
        try:
            then = read_checkpoint(checkpoint) if checkpoint else {}
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        contacts = Contact.objects.order_by("pk").values_list("pk", flat=True)
        if contact is not None:
            contacts = contacts.filter(pk=contact)
        wanted = {pk: head.record_count for pk, head in then.items()}
        reports: list[ChainReport] = []
        problems = checked = 0
        try:
            for report in verify_chains(list(contacts.iterator(chunk_size=2000)), wanted=wanted):
                found = report.problems + checkpoint_problems(then, report)
                for problem in found:
                    self.stdout.write(self.style.ERROR(problem))
                problems += len(found)
                checked += 1
                if write_to:
                    # Only what the checkpoint keeps; the walk's details are dropped.
                    report.problems, report.hash_at = [], {}
                    reports.append(report)
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from exc
        if checkpoint:
            if contact is not None:
                then = {pk: head for pk, head in then.items() if pk == contact}
            present = set(Contact.objects.filter(pk__in=then).values_list("pk", flat=True))
            for problem in vanished_problems(then, present):
                self.stdout.write(self.style.ERROR(problem))
                problems += 1
        if write_to:
            written = write_checkpoint(write_to, reports)
            self.stdout.write(
                f"Checkpoint of {len(written['heads'])} chain(s) written to {write_to}."
            )
        if problems:
            raise CommandError(
                f"{problems} problem(s) in the consent records of {checked} contact(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"All consent records of {checked} contact(s) verify.")
        )

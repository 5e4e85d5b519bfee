"""Import contacts from a CSV or XLSX file: the admin's import, from the command line."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...exceptions import ImportFileError
from ...importing import run
from ...importing.presets import guess_mapping
from ...importing.rows import ERRORS, parse_date
from ...models import ContactList, ImportJob, ProcessingPurpose


def _by_name_or_id(model: Any, value: str, what: str) -> Any:
    found = model.objects.filter(name=value).first()
    if found is None and value.isdigit():
        found = model.objects.filter(pk=int(value)).first()
    if found is None:
        raise CommandError(f"No {what} named {value!r}.")
    return found


class Command(BaseCommand):
    help = (
        "Import contacts from FILE (CSV or XLSX) into a list, with purposes assigned "
        "(valid from now, the day each joined the list, a date, or a date column, with "
        "a note on where the consent came from) or asked for by double opt-in (--doi). "
        "--dry-run checks and counts without writing. Exit code 1 when rows had errors; "
        "the report of those rows (row number, error, masked address) goes to stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--list", dest="list_name", help="the target list (name or id)")
        parser.add_argument(
            "--purpose", action="append", default=[], help="a purpose (name or id); repeatable"
        )
        parser.add_argument(
            "--valid-from",
            default="now",
            help="now | joined | YYYY-MM-DD | column:NAME (default now)",
        )
        parser.add_argument("--note", default="", help="where the consent came from")
        parser.add_argument(
            "--doi", action="store_true", help="send the double opt-in mail instead of assigning"
        )
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--policy", choices=[c for c, _label in ImportJob.Policy.choices], default="keep"
        )
        parser.add_argument("--email-column", help="the e-mail column's heading")
        parser.add_argument("--first-name-column")
        parser.add_argument("--last-name-column")
        parser.add_argument(
            "--custom", action="append", default=[], help="KEY=COLUMN: a custom field"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        purposes = [_by_name_or_id(ProcessingPurpose, p, "purpose") for p in options["purpose"]]
        contact_list = (
            _by_name_or_id(ContactList, options["list_name"], "list")
            if options["list_name"]
            else None
        )
        if purposes and not options["doi"] and not options["note"].strip():
            raise CommandError("--note is required: say where the consent came from.")
        try:
            with open(options["file"], "rb") as handle:
                job = run.create_job(iter(lambda: handle.read(1 << 20), b""))
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from None
        except ImportFileError as error:
            raise CommandError(error.messages[0]) from None
        try:
            self._configure(job, purposes, contact_list, options)
            self._run(job, options["dry_run"])
        finally:
            if options["dry_run"]:
                run.delete_file(job)

    def _column(self, job: ImportJob, heading: str | None, fallback: int | None) -> int | None:
        if not heading:
            return fallback
        lowered = [h.lower() for h in job.headers]
        if heading.lower() not in lowered:
            raise CommandError(f"The file has no column {heading!r}.")
        return lowered.index(heading.lower())

    def _configure(self, job, purposes, contact_list, options) -> None:
        _preset, guessed = guess_mapping(job.headers)
        mapping = {
            "email": self._column(job, options["email_column"], guessed["email"]),
            "first_name": self._column(job, options["first_name_column"], guessed["first_name"]),
            "last_name": self._column(job, options["last_name_column"], guessed["last_name"]),
            "custom": {},
        }
        if mapping["email"] is None:
            raise CommandError("No e-mail column found; name it with --email-column.")
        for item in options["custom"]:
            key, _eq, heading = item.partition("=")
            mapping["custom"][key.strip()] = self._column(job, heading.strip(), None)
        valid_from, spec = options["valid_from"], {}
        if valid_from in ("now", "joined"):
            spec = {"valid_from": valid_from}
        elif valid_from.startswith("column:"):
            spec = {"valid_from": "column", "column": self._column(job, valid_from[7:], None)}
        else:
            if parse_date(valid_from) is None:
                raise CommandError(
                    f"--valid-from {valid_from!r} is not now, joined, a date or column:NAME."
                )
            spec = {"valid_from": "date", "date": valid_from}
        if spec["valid_from"] == "joined" and contact_list is None:
            raise CommandError("--valid-from joined needs --list.")
        mode = "doi" if options["doi"] else "assign"
        job.mapping = mapping
        job.purposes = [{"purpose_id": p.pk, "mode": mode, **spec} for p in purposes]
        job.contact_list = contact_list
        job.note = options["note"]
        job.policy = options["policy"]
        job.save()

    def _run(self, job: ImportJob, dry_run: bool) -> None:
        try:
            totals = run.check(job)
        except ImportFileError as error:
            raise CommandError(error.messages[0]) from None
        if dry_run:
            counts = totals.as_dict()
            errors = [e.as_dict() for e in totals.errors]
        else:
            job = run.run(job.pk)
            if job.state == ImportJob.State.FAILED:
                raise CommandError(job.failure)
            counts = {
                "rows": job.done,
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "invited": job.invited,
                "skipped": job.skipped,
            }
            errors = [
                {"row": r["row"], "code": r["code"], "email": r["email"]}
                for r in run.report_rows(job)
                if r["code"]
            ]
        for error in errors:
            self.stdout.write(
                f"row {error['row']}: {error['code']} ({ERRORS[error['code']]}) {error['email']}"
            )
        prefix = "dry run: would have " if dry_run else ""
        self.stdout.write(
            prefix
            + ", ".join(f"{name} {value}" for name, value in counts.items())
            + f" (import #{job.pk})"
        )
        if errors:
            sys.exit(1)

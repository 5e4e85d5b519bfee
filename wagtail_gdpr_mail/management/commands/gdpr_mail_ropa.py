"""Print or save the record of processing activities (GDPR Art. 30(1)) as JSON or CSV."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.encoding import force_str
from wagtail.models import Site

from wagtail_gdpr_mail.legal.ropa import ROPA_COLUMNS, build_ropa
from wagtail_gdpr_mail.spreadsheets import csv_text


class Command(BaseCommand):
    help = (
        "Write the record of processing activities (GDPR Art. 30): every purpose and the "
        "app's own processing, with legal basis, retention and recipients, and the "
        "controller and DPO details. CSV starts with a UTF-8 BOM; formula cells are quoted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", help="Write to this file instead of the standard output.")
        parser.add_argument(
            "--site",
            type=int,
            help="The id of the site whose controller settings to use (default: the default site).",
        )

    def handle(self, *args, **options):
        site = None
        if options["site"] is not None:
            site = Site.objects.filter(pk=options["site"]).first()
            if site is None:
                raise CommandError(f"No site with id {options['site']}.")
        ropa = build_ropa(site)
        if options["format"] == "json":
            text = json.dumps(ropa.as_dict(), indent=2, ensure_ascii=False) + "\n"
        else:
            text = csv_text(
                [key for key, _label in ROPA_COLUMNS],
                {key: force_str(label) for key, label in ROPA_COLUMNS},
                (ropa.row(activity) for activity in ropa.activities),
            )
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(
                self.style.SUCCESS(
                    f"Wrote {len(ropa.activities)} processing activities to {options['output']}."
                )
            )
        else:
            self.stdout.write(text, ending="")

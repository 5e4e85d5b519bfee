"""A segment's size or its contact ids, for operators and cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...models import Segment
from ...segments.rules import segment_contacts


class Command(BaseCommand):
    help = (
        "Print the number of contacts in a segment (--count) or their ids, one a line "
        "(--ids). NAME is the segment's name or id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the segment's name (exact) or id")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--count", action="store_true", help="print the number of contacts")
        what.add_argument("--ids", action="store_true", help="print the contact ids, one a line")

    def handle(self, *args: Any, name: str, count: bool, ids: bool, **options: Any) -> None:
        segment = Segment.objects.filter(name=name).first()
        if segment is None and name.isdigit():
            segment = Segment.objects.filter(pk=int(name)).first()
        if segment is None:
            raise CommandError(f"No segment named {name!r}.")
        contacts = segment_contacts(segment)
        if count:
            self.stdout.write(str(contacts.count()))
            return
        for pk in contacts.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000):
            self.stdout.write(str(pk))

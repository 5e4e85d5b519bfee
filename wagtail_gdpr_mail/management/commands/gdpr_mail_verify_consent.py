"""Walk every contact's consent-record hash chain and report what was changed or removed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...consent.verify import chain_problems
from ...models import Contact


class Command(BaseCommand):
    help = (
        "Verify the hash chain of every contact's consent records; report records that were "
        "changed, removed or inserted. Exits with status 1 when something is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contact", type=int, help="Check only the contact with this id.")

    def handle(self, *args, contact=None, **options):
        contacts = Contact.objects.order_by("pk").values_list("pk", flat=True)
        if contact is not None:
            contacts = contacts.filter(pk=contact)
        problems = checked = 0
        for contact_id in contacts.iterator(chunk_size=1000):
            for problem in chain_problems(contact_id):
                problems += 1
                self.stdout.write(self.style.ERROR(problem))
            checked += 1
        if problems:
            raise CommandError(
                f"{problems} problem(s) in the consent records of {checked} contact(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"All consent records of {checked} contact(s) verify.")
        )

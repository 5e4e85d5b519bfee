"""Erase one contact by deletion or anonymisation."""

from django.core.management.base import BaseCommand, CommandError

from ...models import Contact
from ...rights.erasure import ErasureMode, erase_contact


class Command(BaseCommand):
    help = (
        "Erase the contact with this e-mail address: --delete removes it with all its data; "
        "--anonymise wipes its personal data and keeps the statistics. Irreversible."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--delete", action="store_const", dest="mode", const=ErasureMode.DELETE)
        mode.add_argument(
            "--anonymise", action="store_const", dest="mode", const=ErasureMode.ANONYMISE
        )

    def handle(self, *args, email, mode, **options):
        contact = Contact.objects.by_email(email).first()
        if contact is None:
            raise CommandError("No contact has this e-mail address.")
        erase_contact(contact, mode)
        done = "deleted" if mode == ErasureMode.DELETE else "anonymised"
        self.stdout.write(self.style.SUCCESS(f"Contact #{contact.pk} {done}."))

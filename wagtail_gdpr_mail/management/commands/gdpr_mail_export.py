"""Export everything held about one contact as JSON (access and portability)."""

from django.core.management.base import BaseCommand, CommandError

from ...models import Contact
from ...rights.export import UNREADABLE, export_json, unreadable_values


class Command(BaseCommand):
    help = "Export everything held about the contact with this e-mail address, as JSON."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", "-o", help="Write to this file instead of standard output.")

    def handle(self, *args, email, output=None, **options):
        contact = Contact.objects.by_email(email).first()
        if contact is None:
            raise CommandError("No contact has this e-mail address.")
        data = export_json(contact)
        unreadable = unreadable_values(contact)
        if unreadable:
            self.stderr.write(
                f"Some values could not be decrypted: {', '.join(unreadable)}. The export "
                f'holds "{UNREADABLE}" in their place; see `manage.py gdpr_mail_unreadable`.'
            )
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(data + "\n")
            self.stderr.write(f"Exported contact #{contact.pk} to {output}.")
        else:
            self.stdout.write(data)

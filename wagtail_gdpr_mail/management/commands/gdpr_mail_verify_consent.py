"""Walk every contact's consent-record hash chain and report what was changed or removed."""

from __future__ import annotations

import hashlib

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from ...exceptions import DecryptionError
from ...models import GENESIS_HASH, ConsentRecord, Contact
from ...models.consent import canonical_json


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
            for problem in self.check_chain(contact_id):
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

    @staticmethod
    def check_chain(contact_id: int):
        expected_previous = GENESIS_HASH
        # The evidence is read raw and decrypted below, so that a corrupted value is
        # reported against its record instead of failing the whole query.
        records = (
            ConsentRecord.objects.filter(contact_id=contact_id)
            .defer("evidence")
            .annotate(raw_evidence=Cast("evidence", TextField()))
            .order_by("pk")
        )
        field = ConsentRecord._meta.get_field("evidence")
        for record in records.iterator(chunk_size=500):
            where = f"contact #{contact_id}, consent record #{record.pk}"
            if record.previous_hash != expected_previous:
                yield (
                    f"{where}: does not follow the previous record — a record before it was "
                    "removed, or this one was inserted or altered."
                )
            if record.compute_hash() != record.record_hash:
                yield f"{where}: its content was changed after it was written."
            try:
                evidence = field.from_db_value(record.raw_evidence, None, connection)
            except DecryptionError:
                yield f"{where}: its evidence was tampered with (it no longer decrypts)."
            else:
                # Anonymised records have no evidence left; their digest still counts.
                if evidence is not None:
                    digest = hashlib.sha256(canonical_json(evidence)).hexdigest()
                    if digest != record.evidence_digest:
                        yield f"{where}: its evidence does not match its digest."
            expected_previous = record.record_hash

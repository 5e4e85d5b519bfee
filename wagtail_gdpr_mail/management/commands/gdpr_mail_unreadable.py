"""List every encrypted value that does not decrypt: model, row and field; exit 1 if any.

A value is unreadable when it was changed in the database, copied from another
row or column, or is not a ciphertext at all. The admin shows such values as
"(unreadable)"; export, anonymise and delete still work on their rows.
"""

from __future__ import annotations

import sys

from django.apps import apps
from django.core.management.base import BaseCommand

from ...crypto import encrypted_fields, is_unreadable, models_with_encrypted_fields


class Command(BaseCommand):
    help = (
        "List encrypted values that cannot be decrypted (model, row, field). Exits with "
        "status 1 when there is any, so it can run from cron or a monitoring check."
    )

    def handle(self, *args, **options):
        found = 0
        for model in models_with_encrypted_fields(apps.get_models()):
            names = [f.name for f in encrypted_fields(model)]
            rows = model._default_manager.order_by("pk").values_list("pk", *names)
            for pk, *values in rows.iterator(chunk_size=500):
                for name, value in zip(names, values, strict=True):
                    if is_unreadable(value):
                        found += 1
                        self.stdout.write(f"{model._meta.label} #{pk} {name}")
        if not found:
            self.stdout.write(self.style.SUCCESS("No unreadable values."))
            return
        self.stdout.write(
            f"{found} unreadable values. Erase their rows (anonymise or delete the contact) "
            "or set the values anew; the rest of the data is not affected."
        )
        sys.exit(1)

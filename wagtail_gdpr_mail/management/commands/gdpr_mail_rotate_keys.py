"""Re-encrypt every encrypted value with the first configured key, in batches.

After adding a new key at the front of ``WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS``
(or of ``WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS``), run this; when it reports
nothing left, the old encryption key can be removed. Each batch is its own
transaction and only rows still under an old key are touched, so the command
can be stopped and run again: it continues where it stopped.

Suppressions hold only the blind index of an address, never the address, so
they can be re-keyed only where the address is known: a contact or pending
signup with the same address. The others stay under the old blind-index key,
which must then stay configured (the command says so, and a system check
errors when it is removed).
"""

from __future__ import annotations

import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from ...conf import app_settings
from ...crypto import (
    associated_data,
    encrypted_fields,
    get_blind_index,
    get_cipher,
    index_keys_in_use,
    models_with_encrypted_fields,
    normalise_email,
    row_key_of,
)
from ...exceptions import DecryptionError
from ...models import Suppression


class Progress:
    """A one-line text progress bar on a terminal; plain lines otherwise."""

    def __init__(self, stream, label: str, total: int) -> None:
        self.stream, self.label, self.total = stream, label, max(total, 1)
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last = 0.0

    def update(self, done: int, changed: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        width = 30
        filled = int(width * min(done, self.total) / self.total)
        bar = "#" * filled + "-" * (width - filled)
        line = f"{self.label}: [{bar}] {done}/{self.total} rows, {changed} re-encrypted"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        elif final:
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Re-encrypt all encrypted values with the current (first) key and recompute blind "
        "indexes under the current index key. Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=f"Rows per transaction (default {app_settings.ROTATION_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--skip-unreadable",
            action="store_true",
            help="Leave values that do not decrypt as they are, list them at the end, and "
            "rotate everything else (without it the command stops at the first one).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the rows that still use an old key; change nothing.",
        )

    def handle(self, *args, batch_size=None, dry_run=False, skip_unreadable=False, **options):
        self.skip_unreadable, self.skipped = skip_unreadable, []
        batch_size = batch_size or app_settings.ROTATION_BATCH_SIZE
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        cipher, index = get_cipher(), get_blind_index()
        total_changed = 0
        for model in models_with_encrypted_fields(apps.get_models()):
            total_changed += self._rotate_model(model, cipher, index, batch_size, dry_run)
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        summary = (
            f"{verb} {total_changed} rows. Current encryption key "
            f"{cipher.current.id!r}, blind index key {index.current.id!r}."
        )
        for where in self.skipped:
            self.stdout.write(self.style.WARNING(f"Skipped unreadable: {where}"))
        if self.skipped:
            self.stdout.write(
                f"Not done: {len(self.skipped)} values could not be decrypted under any key "
                "and were left as they are. Erase those rows or set the values anew "
                "(`manage.py gdpr_mail_unreadable` lists them)."
            )
        left = self._suppressions_under_old_keys(index)
        if not left and not self.skipped:
            self.stdout.write(self.style.SUCCESS(f"Done: {summary}"))
            return
        self.stdout.write(f"{summary[0].upper()}{summary[1:]}")
        setting = app_settings.setting_name("BLIND_INDEX_KEYS")
        for key_id, count in left:
            self.stdout.write(
                self.style.WARNING(
                    f"Not done: {count} suppressed addresses are still hashed under blind-index "
                    f"key {key_id!r}. A suppression holds no address, so it cannot be "
                    f"re-keyed until its address is seen again. Keep {key_id!r} in {setting} "
                    "(after the current key): without it these addresses could be added again."
                )
            )

    @staticmethod
    def _suppressions_under_old_keys(index) -> list[tuple[str, int]]:
        return index_keys_in_use(
            Suppression.objects.all(), "address_index", except_ids=[index.current.id]
        )

    def _rotate_model(self, model, cipher, index, batch_size, dry_run) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        pk_column = model._meta.pk.column
        fields = encrypted_fields(model)
        # A model with an ``email`` field and an ``email_index`` column keeps its
        # blind index in step with the address.
        has_index = any(f.name == "email" for f in fields) and any(
            f.name == "email_index" for f in model._meta.concrete_fields
        )
        # The row key comes along: every value is bound to it (see crypto).
        row_key = row_key_of(model).column
        columns = [row_key, *(f.column for f in fields)] + (["email_index"] if has_index else [])
        select = ", ".join(connection.ops.quote_name(c) for c in [pk_column, *columns])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - names from _meta
            total = cursor.fetchone()[0]
        progress = Progress(self.stdout, model._meta.label, total)
        done = changed = 0
        last_pk = None
        while True:
            with transaction.atomic():
                rows = self._fetch(table, select, pk_column, last_pk, batch_size)
                if not rows:
                    break
                for row in rows:
                    pk, key, values = row[0], row[1], list(row[2:])
                    updates = self._rotated_values(
                        model, pk, key, fields, values, has_index, cipher, index
                    )
                    if updates:
                        changed += 1
                        if not dry_run:
                            self._update(table, pk_column, pk, updates)
                            if "email_index" in updates and values[-1]:
                                # The address is known here: its suppression can follow.
                                Suppression.objects.rekey(values[-1], updates["email_index"])
                last_pk = rows[-1][0]
                done += len(rows)
            progress.update(done, changed)
        progress.update(done, changed, final=True)
        return changed

    @staticmethod
    def _fetch(table, select, pk_column, last_pk, batch_size):
        pk = connection.ops.quote_name(pk_column)
        where = f"WHERE {pk} > %s " if last_pk is not None else ""
        params = [last_pk] if last_pk is not None else []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {select} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608
                [*params, batch_size],
            )
            return cursor.fetchall()

    def _rotated_values(
        self, model, pk, row_key, fields, values, has_index, cipher, index
    ) -> dict[str, str]:
        updates: dict[str, str] = {}
        plain_email = None
        for field, token in zip(fields, values, strict=False):
            if not token:  # NULL, or wiped by a queryset update (stored empty)
                continue
            aad = associated_data(model, field.name, row_key)
            try:
                plaintext = cipher.decrypt(token, aad)
            except DecryptionError as exc:
                where = f"{model._meta.label} #{pk} {field.name}"
                if not self.skip_unreadable:
                    raise CommandError(
                        f"{where}: {exc} Run again with --skip-unreadable to rotate the rest."
                    ) from exc
                self.skipped.append(where)
                continue
            if field.name == "email":
                plain_email = plaintext.decode("utf-8")
            if cipher.needs_rotation(token):
                updates[field.column] = cipher.encrypt(plaintext, aad)
        if has_index and plain_email is not None:
            stored_index = values[-1]
            if stored_index is None or index.needs_rotation(stored_index):
                updates["email_index"] = index.compute(normalise_email(plain_email))
        return updates

    @staticmethod
    def _update(table, pk_column, pk, updates: dict[str, str]) -> None:
        assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name(pk_column)} = %s",  # noqa: S608
                [*updates.values(), pk],
            )

"""Bind every encrypted value to its row: a ``row_key`` per row, and every value
re-encrypted with associated data that names it (``<model>.<field>/<row key>``).

Not atomic: each batch of rows is its own transaction, and a row gets its row key
in the same transaction as its re-encrypted values, so an interrupted run leaves
no row half done and continues where it stopped. Values that do not decrypt are
left as they are (``manage.py gdpr_mail_unreadable`` lists them afterwards); a
value under a key that is not configured stops the migration.
"""

import copy
import uuid

from django.db import migrations, models, transaction

from wagtail_gdpr_mail.crypto import associated_data, encrypted_fields, get_cipher
from wagtail_gdpr_mail.exceptions import ConfigurationError, DecryptionError

BATCH_SIZE = 500
MODELS = ["contact", "consentrecord", "pendingsignup"]


class AddRowKey(migrations.AddField):
    """``AddField`` that finds the column already there after an interrupted run."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(
                cursor, model._meta.db_table
            )
        if self.name not in {column.name for column in columns}:
            super().database_forwards(app_label, schema_editor, from_state, to_state)


def _cipher():
    try:
        return get_cipher()
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"Migration 0010 re-encrypts the stored personal data and needs the keys: {exc}"
        ) from exc


def _rebind(cipher, model, field, token, old_key, new_key):
    """``token`` re-encrypted under ``new_key``'s binding (None: model and field only);
    unchanged when it does not decrypt under ``old_key``'s."""
    if token is None:
        return None
    if token == "":  # wiped by a queryset update: empty in the new form, sealed in the old
        if new_key is not None:
            return token
        return cipher.encrypt(field.encode(copy.copy(field.empty_value)), _aad(model, field))
    try:
        key_id = cipher.key_id_of(token)
    except DecryptionError:
        return token  # not a ciphertext: unreadable before and after
    if not cipher.has_key(key_id):
        cipher.decrypt(token, b"")  # raises, naming the setting: add the key back first
    try:
        plaintext = cipher.decrypt(token, _aad(model, field, old_key))
    except DecryptionError:
        return token
    return cipher.encrypt(plaintext, _aad(model, field, new_key))


def _aad(model, field, row_key=None):
    return associated_data(model, field.name, row_key)


def _rebind_all(apps, schema_editor, *, forwards):
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    cipher = None
    for model_name in MODELS:
        model = apps.get_model("wagtail_gdpr_mail", model_name)
        fields = encrypted_fields(model)
        key_field = model._meta.get_field("row_key")
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        columns = [model._meta.pk.column, key_field.column, *(f.column for f in fields)]
        select = ", ".join(qn(c) for c in columns)
        # Rows still to do: no row key yet (forwards), or still one (backwards).
        todo = f"{qn(key_field.column)} IS {'' if forwards else 'NOT '}NULL"
        assignments = ", ".join(f"{qn(c)} = %s" for c in columns[1:])
        while True:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {select} FROM {table} WHERE {todo} ORDER BY {pk} LIMIT %s",  # noqa: S608
                    [BATCH_SIZE],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                cipher = cipher or _cipher()
                for pk_value, old_key, *tokens in rows:
                    new_key = uuid.uuid4() if forwards else None
                    values = [
                        _rebind(cipher, model, field, token, old_key, new_key)
                        for field, token in zip(fields, tokens, strict=True)
                    ]
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                        [key_field.get_db_prep_value(new_key, connection), *values, pk_value],
                    )


def bind_to_rows(apps, schema_editor):
    _rebind_all(apps, schema_editor, forwards=True)


def unbind_from_rows(apps, schema_editor):
    _rebind_all(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("wagtail_gdpr_mail", "0009_purpose_category_list_archive"),
    ]

    operations = [
        *(
            AddRowKey(
                model_name=model_name,
                name="row_key",
                field=models.UUIDField(editable=False, null=True),
            )
            for model_name in MODELS
        ),
        migrations.RunPython(bind_to_rows, unbind_from_rows),
        *(
            migrations.AlterField(
                model_name=model_name,
                name="row_key",
                field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
            )
            for model_name in MODELS
        ),
    ]

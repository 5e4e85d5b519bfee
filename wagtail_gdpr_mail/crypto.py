"""Encryption at rest: AES-256-GCM ciphers, the e-mail blind index, encrypted fields.

A stored value looks like ``gm1$<key id>$<base64url(nonce | ciphertext | tag)>``. The key
id says which of the configured keys encrypted it, so keys can rotate: the first configured
key encrypts, every configured key decrypts, and ``manage.py gdpr_mail_rotate_keys`` moves
old values to the first key.

The associated data of every value is ``<app label>.<model>.<field>/<row key>`` (``row_key``:
a random UUID set before the row's first save): a ciphertext copied into another row, column
or table does not decrypt. Fields encrypt in ``pre_save`` (bulk writers: ``seal``), seeing the
row; every SELECT of an encrypted column brings the row key along (``select_format``) for
``from_db_value``. Values wiped by a queryset ``update()`` are stored as an empty column.

The blind index is HMAC-SHA256 (under a key of its own) over the normalised e-mail address:
exact lookup and a uniqueness constraint, revealing only whether two rows hold one address.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import Count, Value
from django.db.models.functions import StrIndex, Substr
from django.dispatch import receiver
from django.test.signals import setting_changed

from .conf import app_settings
from .exceptions import ConfigurationError, DecryptionError
from .unreadable import Unreadable, UnreadableValueError, is_unreadable

PREFIX = "gm1"
SEPARATOR = "$"
NONCE_BYTES = 12
KEY_BYTES = 32
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes


def parse_keys(value: Any, setting: str) -> tuple[Key, ...]:
    """Parse ``["id:base64", ...]`` (or one comma-separated string) into keys.

    Raises :class:`ConfigurationError` naming ``setting`` when a key is missing,
    malformed, shorter than 32 bytes, or when two keys share an id.
    """
    full_name = app_settings.setting_name(setting)
    if not value:
        raise ConfigurationError(
            f"{full_name} is not set. Generate a key with "
            f"`python -m wagtail_gdpr_mail.keygen` and set {full_name} to "
            f'["<key id>:<key>"] in your settings or environment.'
        )
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    keys: list[Key] = []
    for position, entry in enumerate(value, start=1):
        if not isinstance(entry, str) or ":" not in entry:
            raise ConfigurationError(
                f'{full_name}: entry {position} must look like "<key id>:<base64 key>".'
            )
        key_id, _, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not KEY_ID_RE.match(key_id):
            raise ConfigurationError(
                f"{full_name}: entry {position} has an invalid key id {key_id!r} "
                "(1-16 letters, digits, '-' or '_')."
            )
        try:
            secret = base64.urlsafe_b64decode(_pad(encoded.strip()))
        except (binascii.Error, ValueError) as exc:
            raise ConfigurationError(f"{full_name}: key {key_id!r} is not valid base64.") from exc
        if len(secret) < KEY_BYTES:
            raise ConfigurationError(
                f"{full_name}: key {key_id!r} is {len(secret)} bytes long; "
                f"it must be at least {KEY_BYTES} bytes."
            )
        if any(k.id == key_id for k in keys):
            raise ConfigurationError(f"{full_name}: key id {key_id!r} appears twice.")
        keys.append(Key(key_id, secret))
    return tuple(keys)


def _pad(text: str) -> str:
    return text + "=" * (-len(text) % 4)


# base64url as base64.urlsafe_b64encode/-decode do it, without their per-call
# wrappers (a third of the cost of encrypting a short value).
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64url_encode(data: bytes) -> str:
    """Unpadded base64url text of ``data``."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``; raises ValueError (binascii.Error or
    UnicodeEncodeError) as ``base64.urlsafe_b64decode`` does."""
    return binascii.a2b_base64(_pad(text).encode("ascii").translate(_FROM_URLSAFE))


def generate_key_entry(key_id: str) -> str:
    """A new random key in the settings format, ``"<key id>:<base64>"``."""
    if not KEY_ID_RE.match(key_id):
        raise ValueError("A key id is 1-16 letters, digits, '-' or '_'.")
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()}"


class Cipher:
    """AES-256-GCM with a key ring: the first key encrypts, all keys decrypt."""

    def __init__(self, keys: Sequence[Key]) -> None:
        if not keys:
            raise ConfigurationError("At least one encryption key is required.")
        self.keys = tuple(keys)
        self.current = self.keys[0]
        # AES-256 takes exactly 32 bytes; a longer configured key uses its first 32.
        self._aead = {key.id: AESGCM(key.secret[:KEY_BYTES]) for key in self.keys}
        # Per value only the nonce and the body change; the rest is looked up once.
        self._encrypt_with = self._aead[self.current.id].encrypt
        self._header = f"{PREFIX}{SEPARATOR}{self.current.id}{SEPARATOR}"

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._encrypt_with(nonce, plaintext, associated_data)
        return self._header + _b64url_encode(nonce + sealed)

    def decrypt(self, token: str, associated_data: bytes) -> bytes:
        # key_id_of's checks inline: one split for the key id and the body.
        parts = token.split(SEPARATOR, 2) if isinstance(token, str) else ()
        if len(parts) != 3 or parts[0] != PREFIX:
            self.key_id_of(token)  # raises
        key_id = parts[1]
        aead = self._aead.get(key_id)
        if aead is None:
            raise DecryptionError(
                f"A value was encrypted with key {key_id!r}, which is not configured in "
                f"{app_settings.setting_name('ENCRYPTION_KEYS')}. Add that key back "
                "(after the current one) to read it."
            )
        try:
            raw = _b64url_decode(parts[2])
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError("An encrypted value is corrupted (invalid encoding).") from exc
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionError("An encrypted value is corrupted (too short).")
        view = memoryview(raw)  # slices without copies
        try:
            return aead.decrypt(view[:NONCE_BYTES], view[NONCE_BYTES:], associated_data)
        except InvalidTag as exc:
            raise DecryptionError(
                f"An encrypted value failed authentication with key {key_id!r}: it was "
                "changed, copied from another field, or the key is wrong."
            ) from exc

    @staticmethod
    def key_id_of(token: str) -> str:
        """The id of the key that encrypted ``token``; raises if it is no ciphertext."""
        parts = token.split(SEPARATOR, 2) if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != PREFIX:
            raise DecryptionError(
                "A value in an encrypted column is not a ciphertext of this app; it is "
                "never returned as plain text."
            )
        return parts[1]

    def needs_rotation(self, token: str) -> bool:
        return self.key_id_of(token) != self.current.id

    def has_key(self, key_id: str) -> bool:
        return key_id in self._aead


class BlindIndex:
    """HMAC-SHA256 of a normalised value under a key ring of its own.

    Stored as ``<key id>$<hex digest>``; new values use the first key, lookups
    try every key so that rows not yet rotated are still found.
    """

    def __init__(self, keys: Sequence[Key]) -> None:
        self.keys = tuple(keys)
        self.current = self.keys[0]
        # Keyed once: copying a keyed HMAC skips the key schedule of hmac.new per value.
        self._keyed = {key.id: hmac.new(key.secret, digestmod=hashlib.sha256) for key in keys}

    def _digest(self, key: Key, normalised: str) -> str:
        mac = self._keyed[key.id].copy()
        mac.update(normalised.encode("utf-8"))
        return f"{key.id}{SEPARATOR}{mac.hexdigest()}"

    def compute(self, normalised: str) -> str:
        return self._digest(self.current, normalised)

    def candidates(self, normalised: str) -> list[str]:
        return [self._digest(key, normalised) for key in self.keys]

    def needs_rotation(self, stored: str) -> bool:
        return not stored.startswith(self.current.id + SEPARATOR)


# Built once per configuration and dropped when a key setting changes (tests use
# override_settings; production settings do not change at run time).
_built: dict[str, Any] = {}


@receiver(setting_changed)
def _forget_keys(setting: str, **kwargs: Any) -> None:
    if setting in (
        app_settings.setting_name("ENCRYPTION_KEYS"),
        app_settings.setting_name("BLIND_INDEX_KEYS"),
    ):
        _built.clear()


def get_cipher() -> Cipher:
    """The cipher built from ``WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS``."""
    cipher = _built.get("cipher")
    if cipher is None:
        cipher = _built["cipher"] = Cipher(
            parse_keys(app_settings.ENCRYPTION_KEYS, "ENCRYPTION_KEYS")
        )
    return cipher


def get_blind_index() -> BlindIndex:
    """The blind index built from ``WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS``."""
    index = _built.get("blind_index")
    if index is None:
        index = _built["blind_index"] = BlindIndex(
            parse_keys(app_settings.BLIND_INDEX_KEYS, "BLIND_INDEX_KEYS")
        )
    return index


def normalise_email(email: str) -> str:
    """The form of an address that the blind index hashes: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def email_blind_index(email: str) -> str:
    return get_blind_index().compute(normalise_email(email))


def email_blind_index_candidates(email: str) -> list[str]:
    return get_blind_index().candidates(normalise_email(email))


def index_keys_in_use(
    queryset: models.QuerySet, column: str, *, except_ids: Iterable[str] = ()
) -> list[tuple[str, int]]:
    """(key id, row count) of the blind indexes stored in ``column``, leaving out the
    keys in ``except_ids``: one grouped query, whatever the number of rows."""
    rows = queryset.filter(**{f"{column}__contains": SEPARATOR})
    for key_id in except_ids:
        rows = rows.exclude(**{f"{column}__startswith": key_id + SEPARATOR})
    counts = (
        rows.order_by()
        .annotate(index_key_id=Substr(column, 1, StrIndex(column, Value(SEPARATOR)) - 1))
        .values("index_key_id")
        .annotate(rows=Count("pk"))
        .values_list("index_key_id", "rows")
    )
    return sorted(counts)


ROW_KEY = "row_key"  # the field that binds a row's ciphertexts to the row
ROW_SEPARATOR = "|"  # value|row key in a SELECT: in neither base64url nor a UUID


def row_key_field() -> models.UUIDField:
    """Every model with encrypted fields has one: a random UUID set before its first save."""
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


def row_key_of(model: type[models.Model]) -> models.Field | None:
    """The row-key field; None in historical models before migration 0009."""
    try:
        return model._meta.get_field(ROW_KEY)
    except FieldDoesNotExist:
        return None


# (model, field name) -> b"<app label>.<model>.<field>": the same for every value.
_bound_names: dict[tuple[type[models.Model], str], bytes] = {}


def associated_data(model: type[models.Model], field_name: str, row_key: Any = None) -> bytes:
    """What a value is bound to: model, field and row key (None: before 0009)."""
    bound = _bound_names.get((model, field_name))
    if bound is None:
        meta = model._meta
        bound = _bound_names[model, field_name] = (
            f"{meta.app_label}.{meta.model_name}.{field_name}".encode()
        )
    if row_key is None:
        return bound
    key = row_key if isinstance(row_key, uuid.UUID) else uuid.UUID(str(row_key))
    return b"%s/%s" % (bound, key.hex.encode())


# --- Model fields -----------------------------------------------------------------


def unreadable_fields(instance: models.Model) -> list[str]:
    """Names of the encrypted fields of ``instance`` whose stored value did not decrypt."""
    return [
        f.name
        for f in encrypted_fields(type(instance))
        if is_unreadable(f.value_from_object(instance))
    ]


class Ciphertext(str):
    """A value that ``pre_save`` encrypted for its row; stored as it is."""


class EncryptedField(models.TextField):
    """Base of the encrypted model fields: stored as text ciphertext, never as plain text.

    Only ``isnull`` lookups work: the same plaintext encrypts differently every time, so
    equality and substring search are impossible by design (the blind index finds e-mails).
    """

    def encode(self, value: Any) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    empty_value: Any = ""  # what an empty column (wiped by a queryset update) reads as

    @cached_property
    def _row_key(self) -> models.Field | None:
        return row_key_of(self.model)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if value is None or self._row_key is None or isinstance(value, Unreadable):
            return value  # get_prep_value refuses Unreadable
        row_key = getattr(model_instance, self._row_key.attname)
        if row_key is None:
            raise ValueError(f"{self.model._meta.label} #{model_instance.pk} has no row key.")
        return self.seal(value, row_key)

    def seal(self, value: Any, row_key: uuid.UUID, *, encoded: bytes | None = None) -> Ciphertext:
        """``value`` (or its ``encoded`` form) encrypted for the row with ``row_key``."""
        aad = associated_data(self.model, self.name, row_key)
        return Ciphertext(get_cipher().encrypt(encoded or self.encode(value), aad))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Ciphertext):  # sealed to its row by pre_save
            return str(value)
        if isinstance(value, Unreadable):
            raise UnreadableValueError(
                f"{self.model._meta.label}.{self.name} holds an unreadable value; it cannot "
                "be saved. Set a new value, or erase the row."
            )
        if self._row_key is None:
            return get_cipher().encrypt(self.encode(value), associated_data(self.model, self.name))
        if value == self.empty_value:
            return ""
        raise ValueError(
            f"{self.model._meta.label}.{self.name} is encrypted for one row: write it with "
            "save() or bulk_create(), not update() or bulk_update() (which can only wipe it, "
            "with None or an empty value)."
        )

    def select_format(self, compiler: Any, sql: str, params: Any) -> tuple[str, Any]:
        """Select ``<value>|<row key>`` for ``from_db_value``; any other expression is left."""
        column = compiler.quote_name_unless_alias(self.column)
        if self._row_key is None or params or not sql.endswith("." + column):
            return sql, params
        key = sql[: -len(column)] + compiler.quote_name_unless_alias(self._row_key.column)
        # SQLite and PostgreSQL concatenate with ||; NULL || ... stays NULL.
        return f"({sql} || '{ROW_SEPARATOR}' || CAST({key} AS TEXT))", params

    def read_stored(self, stored: str | None, row_key: Any) -> Any:
        """A column's value as stored (raw SQL, a Cast) read for the row with ``row_key``."""
        if stored is not None and self._row_key is not None:
            stored = f"{stored}{ROW_SEPARATOR}{row_key}"
        return self.from_db_value(stored, None, None)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        row_key = None
        if self._row_key is not None:
            value, separator, row_key = value.rpartition(ROW_SEPARATOR)
            if not separator or ROW_SEPARATOR in value:
                return Unreadable("An encrypted value was read without its row key.")
        if value == "":
            return copy.copy(self.empty_value)
        cipher = get_cipher()
        try:
            key_id = cipher.key_id_of(value)
            aad = associated_data(self.model, self.name, row_key)
        except DecryptionError as exc:
            return Unreadable(str(exc))
        except ValueError:
            return Unreadable("A row key is not a UUID.")
        if not cipher.has_key(key_id):
            # A key missing from the settings concerns every row under it: a
            # configuration error that raises (naming the setting), not damaged data.
            cipher.decrypt(value, aad)
        try:
            return self.decode(cipher.decrypt(value, aad))
        except DecryptionError as exc:
            return Unreadable(str(exc))
        except ValueError:  # authentic, yet not UTF-8 or JSON: not written by this field
            return Unreadable("An encrypted value decrypts to something this field never wrote.")

    def to_python(self, value: Any) -> Any:
        return value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: only 'isnull' lookups "
                "work on it. Use the blind index for exact e-mail lookup."
            )
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else json.dumps(value)


class EncryptedTextField(EncryptedField):
    """A text value, encrypted with AES-256-GCM."""

    def encode(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8")

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        defaults = {"form_class": forms.CharField, "widget": forms.TextInput}
        defaults.update(kwargs)
        return super().formfield(**defaults)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


class EncryptedJSONField(EncryptedField):
    """A JSON-serialisable value (dict, list, str, number), encrypted."""

    empty_value: Any = {}
    _json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)  # built once

    def encode(self, value: Any) -> bytes:
        return self._json.encode(value).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return json.loads(data)

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


def encrypted_fields(model: type[models.Model]) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]


def models_with_encrypted_fields(
    candidates: Iterable[type[models.Model]],
) -> list[type[models.Model]]:
    return [m for m in candidates if encrypted_fields(m) and not m._meta.proxy]

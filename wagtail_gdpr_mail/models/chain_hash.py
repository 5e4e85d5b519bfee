"""The hashing of the consent chain: canonical JSON, evidence digests, keyed links and
head seals. One definition, used by the writer (``ConsentRecord.objects.append_rows``),
the verifier and the checkpoints."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from ..conf import app_settings
from ..crypto import Key, parse_keys

# What json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds
# on every call; the chain writer calls it several times per record.
_HEX_DIGEST = re.compile(r"[0-9a-f]*")
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(data: Any) -> bytes:
    return _CANONICAL.encode(data).encode()


def evidence_digest(evidence: dict[str, Any]) -> str:
    """The digest of a record's evidence (salted by the writer, so it reveals nothing)."""
    return encoded_digest(canonical_json(evidence))


def encoded_digest(encoded: bytes) -> str:
    """:func:`evidence_digest` of evidence already in canonical JSON."""
    return hashlib.sha256(encoded).hexdigest()


def chain_keys() -> tuple[Key, ...]:
    """The keys of ``WAGTAIL_GDPR_MAIL_CHAIN_KEYS``: the first links new records and
    seals chain heads, every one verifies. Raises ``ConfigurationError`` when unset."""
    return parse_keys(app_settings.CHAIN_KEYS, "CHAIN_KEYS")


def keyed_digest(key: Key, data: dict[str, Any]) -> str:
    """HMAC-SHA256 under a chain key over the canonical JSON of ``data``."""
    return _keyed(key, canonical_json(data))


def _keyed(key: Key, message: bytes) -> str:  # one-shot HMAC: hmac.new() without the object
    return hmac.digest(key.secret, message, "sha256").hex()


def chain_link(previous_hash: str, content: dict[str, Any], key: Key) -> str:
    """The hash of one consent record: its content (see :meth:`ConsentRecord.chained_content`)
    bound to the hash of the contact's previous record, keyed with a chain key, so that
    nobody without the key (which lives in the settings, not in the database) can forge
    or re-chain a record. The one definition of the chain: every writer and the
    verifier call it."""
    return keyed_digest(key, {**content, "previous_hash": previous_hash})


def head_seal(contact_id: int, record_count: int, head_hash: str, key: Key) -> str:
    """The seal of a contact's chain head: its record count and last hash, keyed, so a
    head cannot be moved back (a truncated chain) without the key."""
    # canonical_json() of the head, written out (a test pins the two together): the bulk
    # writer seals every contact it touches.
    if not _HEX_DIGEST.fullmatch(head_hash):
        head = {"anchor": "head", "contact": contact_id, "count": record_count, "head": head_hash}
        return keyed_digest(key, head)
    message = f'{{"anchor":"head","contact":{contact_id:d},"count":{record_count:d},"head":"{head_hash}"}}'
    return _keyed(key, message.encode())

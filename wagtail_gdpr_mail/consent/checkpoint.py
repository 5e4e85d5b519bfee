"""Signed checkpoints of every contact's consent-chain head, kept outside the database.

A sealed head in the database stops whoever lacks the chain key from moving it,
but not someone who restores an older head row together with a shortened
chain. A checkpoint file, written now and stored elsewhere (another host, a
write-once bucket), records each chain's length and last hash, signed with the
chain key; compared later, a chain that shrank or diverged since is reported,
one that only grew is fine.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.models import ModelLogEntry

from .. import audit
from ..conf import app_settings
from ..exceptions import GdprMailError
from ..models import Contact
from ..models.consent import chain_keys, keyed_digest
from .verify import ChainReport

FORMAT = "wagtail-gdpr-mail consent checkpoint"
VERSION = 1


class CheckpointError(GdprMailError, ValueError):
    """A checkpoint file that cannot be read or whose signature does not verify."""


@dataclass(frozen=True)
class CheckpointHead:
    record_count: int
    head_hash: str


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def build_checkpoint(reports: Iterable[ChainReport]) -> dict[str, Any]:
    """The signed checkpoint of the chains in ``reports`` (contacts with records)."""
    key = chain_keys()[0]
    body: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "written_at": _iso(timezone.now()),
        "key_id": key.id,
        "heads": {
            str(r.contact_id): {
                "count": r.record_count,
                "head_hash": r.head_hash,
                "last_record_at": _iso(r.last_record_at),
            }
            for r in reports
            if r.record_count
        },
    }
    return {**body, "signature": keyed_digest(key, body)}


def write_checkpoint(path: str | Path, reports: Iterable[ChainReport]) -> dict[str, Any]:
    checkpoint = build_checkpoint(reports)
    Path(path).write_text(json.dumps(checkpoint, indent=1, sort_keys=True) + "\n")
    return checkpoint


def read_checkpoint(path: str | Path) -> dict[int, CheckpointHead]:
    """The heads of a checkpoint file whose signature verifies under a chain key."""
    try:
        data = json.loads(Path(path).read_text())
        body = {k: v for k, v in data.items() if k != "signature"}
        signature, key_id = data["signature"], data["key_id"]
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError("not a consent checkpoint of this version")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"Cannot read the consent checkpoint {path}: {exc}") from exc
    key = next((k for k in chain_keys() if k.id == key_id), None)
    if key is None:
        raise CheckpointError(
            f"The consent checkpoint {path} was signed with chain key {key_id!r}, which is "
            f"not in {app_settings.setting_name('CHAIN_KEYS')}; add that key back to use it."
        )
    if not isinstance(signature, str) or not hmac.compare_digest(
        keyed_digest(key, body).encode(), signature.encode()
    ):
        raise CheckpointError(
            f"The signature of the consent checkpoint {path} does not verify: the file was "
            "changed after it was written."
        )
    try:
        return {
            int(contact_id): CheckpointHead(int(head["count"]), str(head["head_hash"]))
            for contact_id, head in body["heads"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"Cannot read the consent checkpoint {path}: {exc}") from exc


def checkpoint_problems(checkpoint: dict[int, CheckpointHead], report: ChainReport) -> list[str]:
    """How ``report``'s chain differs from its checkpointed head: shrunk or diverged."""
    then = checkpoint.get(report.contact_id)
    if then is None:
        return []
    where = f"contact #{report.contact_id}"
    if report.record_count < then.record_count:
        return [
            f"{where}: its chain shrank since the checkpoint ({then.record_count} consent "
            f"record(s) then, {report.record_count} now)."
        ]
    if report.hash_at.get(then.record_count) != then.head_hash:
        return [
            f"{where}: its chain diverged since the checkpoint — record "
            f"{then.record_count} of its chain is not the one checkpointed (the history "
            "was rewritten)."
        ]
    return []


def erased_contact_ids(contact_ids: Iterable[int]) -> set[int]:
    """Those of ``contact_ids`` whose erasure the audit log records."""
    ids = [str(pk) for pk in contact_ids]
    if not ids:
        return set()
    return {
        int(object_id)
        for object_id in ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Contact),
            action=audit.ERASE,
            object_id__in=ids,
        ).values_list("object_id", flat=True)
    }


def vanished_problems(checkpoint: dict[int, CheckpointHead], present: set[int]) -> list[str]:
    """Checkpointed contacts that are gone: fine when erased, reported otherwise."""
    gone = set(checkpoint) - present
    erased = erased_contact_ids(gone)
    return [
        f"contact #{contact_id}: is gone with its {checkpoint[contact_id].record_count} "
        "consent record(s) since the checkpoint, and the audit log records no erasure."
        for contact_id in sorted(gone - erased)
    ]

"""A consent record to write as plain values: what the chain writer
(``ConsentRecord.objects.append_rows``) takes and fills in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# The columns of a new record, in NewRecord's terms: what the writer is given (and
# the row key), then the encrypted evidence and what the writer computes.
CHAINED_COLUMNS = (
    "contact_id",
    "assignment_id",
    "purpose_id",
    "purpose_revision_id",
    "event",
    "source",
    "occurred_at",
    "actor_user_id",
    "valid_from",
    "valid_until",
    "row_key",
)
RECORD_COLUMNS = (
    *CHAINED_COLUMNS,
    "evidence",
    "evidence_digest",
    "previous_hash",
    "record_hash",
    "chain_key_id",
)
# What the writer sets on a record.
WRITTEN = (
    "pk",
    "row_key",
    "evidence",
    "evidence_digest",
    "previous_hash",
    "record_hash",
    "chain_key_id",
)


@dataclass(slots=True)
class NewRecord:
    """A consent record to write, without a model instance (a bulk batch writes
    thousands): what :meth:`ConsentRecordManager.append_rows` takes, and what it fills
    in (salted evidence, digest, hashes, row key, primary key)."""

    contact_id: int
    purpose_id: int
    event: str
    source: str
    occurred_at: datetime
    assignment_id: int | None = None
    purpose_revision_id: int | None = None
    actor_user_id: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    evidence: dict[str, Any] | None = None
    pk: int | None = None
    row_key: uuid.UUID | None = None
    evidence_digest: str = ""
    previous_hash: str = ""
    record_hash: str = ""
    chain_key_id: str = ""

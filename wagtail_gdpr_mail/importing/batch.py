"""One batch of rows written: contacts, list memberships, purposes, signups, report rows.

Called inside the caller's transaction (:mod:`.run` commits it with the cursor,
or rolls the whole dry run back).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.utils import timezone

from ..consent.bulk import assign_many_purposes
from ..crypto import get_blind_index, normalise_email
from ..lists import add_to_list
from ..models import (
    Contact,
    ContactSource,
    ImportedRow,
    ImportJob,
    ListMembership,
    Suppression,
)
from ..models.bulk_insert import id_set, insert_rows, upsert_rows
from ..subscriptions.formless import Invitation, invite
from .rows import NAME_FIELDS, Candidate, PurposeChoice, RowError, read_row


@dataclass
class Totals:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invited: int = 0
    skipped: int = 0
    rows: int = 0
    #: The first errors (all are in the job's rows); at most ``MAX_SHOWN_ERRORS``.
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invited": self.invited,
            "skipped": self.skipped,
        }


MAX_SHOWN_ERRORS = 500


_CONTACT_COLUMNS = (
    "row_key",
    "email",
    "email_index",
    "first_name",
    "last_name",
    "custom_fields",
    "source",
    "created_at",
    "updated_at",
)
_ROW_COLUMNS = ("job_id", "row", "outcome", "code", "email_index", "masked", "contact_id")


def _sealed(contact: dict[str, Any]) -> tuple[Any, ...]:
    """A contact's values as ``insert_rows`` takes them: personal fields sealed to the row."""
    meta = Contact._meta
    key = contact["row_key"]
    return tuple(
        meta.get_field(name).seal(contact[name], key)
        if name in ("email", "first_name", "last_name", "custom_fields")
        else contact[name]
        for name in _CONTACT_COLUMNS
    )


def _merged(existing: Contact, candidate: Candidate, policy: str) -> list[str]:
    """Apply the policy to ``existing``; the names of the fields it changed."""
    changed = []
    for name in NAME_FIELDS:
        new, old = candidate.names[name], getattr(existing, name)
        if new and new != old and (policy == ImportJob.Policy.OVERWRITE or not old):
            setattr(existing, name, new)
            changed.append(name)
    custom = dict(existing.custom_fields or {})
    for key, new in candidate.custom.items():
        if new != custom.get(key) and (policy == ImportJob.Policy.OVERWRITE or not custom.get(key)):
            custom[key] = new
    if custom != (existing.custom_fields or {}):
        existing.custom_fields = custom
        changed.append("custom_fields")
    return changed


def _save_updates(contacts: list[Contact], now: dt.datetime) -> None:
    if not contacts:
        return
    connection = connections[router.db_for_write(Contact)]
    if connection.vendor != "postgresql":
        for contact in contacts:
            contact.save(update_fields=["first_name", "last_name", "custom_fields", "updated_at"])
        return
    # The primary key too: the staging table copies no identity default.
    upsert_rows(
        Contact,
        ("id", *_CONTACT_COLUMNS),
        [
            (c.pk,)
            + _sealed(
                {
                    "row_key": c.row_key,
                    "email": c.email,
                    "email_index": c.email_index,
                    "first_name": c.first_name,
                    "last_name": c.last_name,
                    "custom_fields": c.custom_fields,
                    "source": c.source,
                    "created_at": c.created_at,
                    "updated_at": now,
                }
            )
            for c in contacts
        ],
        unique_field="row_key",
        update_fields=["first_name", "last_name", "custom_fields", "updated_at"],
    )


def _lookups(candidates: list[Candidate]) -> dict[str, str]:
    """Each stored form an address may have (under every blind-index key, so contacts
    and suppressions not yet rotated are found) -> the batch's current index."""
    blind_index = get_blind_index()
    if len(blind_index.keys) == 1:
        return {c.index: c.index for c in candidates}
    return {
        stored: c.index
        for c in candidates
        for stored in blind_index.candidates(normalise_email(c.email))
    }


def _existing(lookups: dict[str, str], policy: str) -> dict[str, Any]:
    """Existing contacts by the batch's current blind indexes."""
    contacts = Contact.objects.filter(
        email_index__in=id_set(list(lookups), Contact, sql_type="text")
    )
    if policy == ImportJob.Policy.KEEP:
        rows = contacts.values_list("pk", "email_index", "anonymised_at")
        return {lookups[index]: (pk, anonymised) for pk, index, anonymised in rows}
    return {lookups[c.email_index]: c for c in contacts}


def process_batch(
    job: ImportJob, choices: list[PurposeChoice], rows: list[tuple[int, list[str]]]
) -> Totals:
    """Write one batch (inside the caller's transaction); the batch's totals."""
    now = timezone.now()
    totals = Totals(rows=len(rows))
    results: list[tuple[Any, ...]] = []  # ImportedRow values

    def skip(error: RowError, index: str | None = None) -> None:
        totals.skipped += 1
        if len(totals.errors) < MAX_SHOWN_ERRORS:
            totals.errors.append(error)
        results.append((job.pk, error.row, "skipped", error.code, index, error.masked, None))

    candidates: list[Candidate] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        item = read_row(job, choices, number, cells)
        if isinstance(item, RowError):
            skip(item)
        elif item.index in seen:
            skip(RowError(number, "duplicate", item.masked), item.index)
        else:
            seen[item.index] = number
            candidates.append(item)
    indexes = [c.index for c in candidates]
    if indexes:
        earlier = set(
            ImportedRow.objects.filter(
                job=job, email_index__in=id_set(indexes, ImportedRow, sql_type="text")
            )
            .exclude(outcome=ImportedRow.Outcome.SKIPPED)
            .values_list("email_index", flat=True)
        )
        lookups = _lookups(candidates)
        suppressed = {
            lookups[index]
            for index in Suppression.objects.filter(
                address_index__in=id_set(list(lookups), Suppression, sql_type="text")
            ).values_list("address_index", flat=True)
        }
    else:
        earlier = suppressed = set()
    kept = []
    for candidate in candidates:
        if candidate.index in earlier:
            skip(RowError(candidate.row, "duplicate", candidate.masked), candidate.index)
        elif candidate.index in suppressed:
            skip(RowError(candidate.row, "suppressed", candidate.masked), candidate.index)
        else:
            kept.append(candidate)
    candidates = kept

    assign = [c for c in choices if c.mode == "assign"]
    doi = [c for c in choices if c.mode == "doi"]
    existing = _existing(_lookups(candidates), job.policy) if candidates else {}
    create_contacts = bool(assign) or not doi
    new_rows, updates = [], []
    contact_ids: dict[int, int] = {}  # row -> contact id
    outcomes: dict[int, str] = {}
    invitations: list[Invitation] = []
    for candidate in candidates:
        found = existing.get(candidate.index)
        if found is None:
            if doi:
                invitations.append(
                    Invitation(
                        candidate.email,
                        candidate.index,
                        candidate.names["first_name"],
                        candidate.names["last_name"],
                    )
                )
            if not create_contacts:
                outcomes[candidate.row] = ImportedRow.Outcome.INVITED
                continue
            new_rows.append((candidate, uuid.uuid4()))
            outcomes[candidate.row] = ImportedRow.Outcome.CREATED
            continue
        if isinstance(found, tuple):
            pk, anonymised = found
        else:
            pk, anonymised = found.pk, found.anonymised_at
        if anonymised is not None:
            skip(RowError(candidate.row, "suppressed", candidate.masked), candidate.index)
            continue
        contact_ids[candidate.row] = pk
        outcome = ImportedRow.Outcome.UNCHANGED
        if not isinstance(found, tuple) and _merged(found, candidate, job.policy):
            updates.append(found)
            outcome = ImportedRow.Outcome.UPDATED
        outcomes[candidate.row] = outcome
        if doi:
            invitations.append(
                Invitation(
                    candidate.email,
                    candidate.index,
                    candidate.names["first_name"],
                    candidate.names["last_name"],
                )
            )

    new_ids = insert_rows(
        Contact,
        _CONTACT_COLUMNS,
        [
            _sealed(
                {
                    "row_key": key,
                    "email": c.email,
                    "email_index": c.index,
                    "first_name": c.names["first_name"],
                    "last_name": c.names["last_name"],
                    "custom_fields": c.custom,
                    "source": ContactSource.IMPORT,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for c, key in new_rows
        ],
    )
    for (candidate, _key), pk in zip(new_rows, new_ids, strict=True):
        contact_ids[candidate.row] = pk
    _save_updates(updates, now)

    by_row = {c.row: c for c in candidates}
    if job.contact_list_id and contact_ids:
        add_to_list(
            list(contact_ids.values()), job.contact_list, user=job.user, when=now, log=False
        )
    joined: dict[int, dt.datetime] = {}
    if any(c.valid_from == "joined" for c in assign) and job.contact_list_id:
        joined = dict(
            ListMembership.objects.current()
            .filter(
                contact_list_id=job.contact_list_id,
                contact_id__in=id_set(list(contact_ids.values()), ListMembership),
            )
            .values_list("contact_id", "added_at")
        )
    grants = []
    for choice in assign:
        starts = {}
        for row, pk in contact_ids.items():
            start = by_row[row].starts[choice.purpose.pk]
            if choice.valid_from == "joined":
                start = joined.get(pk, start)
            starts[pk] = start
        grants.append((choice.purpose, starts))
    assign_many_purposes(
        grants,
        new_contact_ids=frozenset(new_ids),
        source=ContactSource.IMPORT,
        actor_user_id=job.user_id,
        evidence={
            "import": {
                "import_id": job.pk,
                "valid_from": {str(c.purpose.pk): c.valid_from for c in assign},
            },
            "note": job.note,
        },
    )
    if doi and invitations:
        totals.invited = invite(
            invitations,
            [c.purpose for c in doi],
            contact_list=job.contact_list,
            source={"import_id": job.pk},
        )
    for candidate in candidates:
        outcome = outcomes.get(candidate.row)
        if outcome is None:
            continue  # skipped above
        if outcome == ImportedRow.Outcome.CREATED:
            totals.created += 1
        elif outcome == ImportedRow.Outcome.UPDATED:
            totals.updated += 1
        elif outcome == ImportedRow.Outcome.UNCHANGED:
            totals.unchanged += 1
        results.append(
            (
                job.pk,
                candidate.row,
                outcome,
                "",
                candidate.index,
                candidate.masked,
                contact_ids.get(candidate.row),
            )
        )
    insert_rows(ImportedRow, _ROW_COLUMNS, results)
    totals.errors.sort(key=lambda error: error.row)
    return totals

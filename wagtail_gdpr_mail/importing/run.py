"""The import engine: rows of a file to contacts, list memberships and purposes.

One engine for the admin, the Celery task and ``gdpr_mail_import``. A job is worked
off in batches of rows (``IMPORT_BATCH_SIZE``); each batch is one transaction that
writes its contacts (COPY, encrypted), their list memberships, their purposes and
consent records (``consent.bulk.assign_many_purposes``: the chain writer in bulk), the
pending signups of double opt-in purposes, one :class:`ImportedRow` per row and the
job's counters with its cursor (the last row done). A run killed mid-way resumes
after the cursor, so no row is imported twice. The dry run is the same work in one
transaction that is rolled back: its counts are exactly what the run would do.

Duplicates are found by the blind index: in the file (an earlier row's
:class:`ImportedRow`), and in the database (an existing contact, treated by the
job's update policy). Suppressed addresses are skipped and reported.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import audit
from ..conf import app_settings
from ..consent.bulk import assign_many_purposes
from ..crypto import email_blind_index, get_blind_index, normalise_email
from ..exceptions import ImportFileError
from ..lists import add_to_list
from ..models import (
    Contact,
    ContactSource,
    ImportedRow,
    ImportJob,
    ListMembership,
    ProcessingPurpose,
    Suppression,
)
from ..models.bulk_insert import id_set, insert_rows, upsert_rows
from ..subscriptions.signup import Invitation, invite
from .parsing import Table, open_table

#: Per-row error codes and what the report says about them.
ERRORS: dict[str, Any] = {
    "bad_email": _("not a valid e-mail address"),
    "duplicate": _("the address is in the file more than once (an earlier row counts)"),
    "suppressed": _("the address was erased or stopped receiving mail; not imported"),
    "unknown_purpose": _("a purpose of this import no longer exists"),
    "bad_date": _("the valid-from date is not a date (YYYY-MM-DD or D.M.YYYY), or lies ahead"),
    "too_long": _("a value is too long"),
    "formula": _("a value starts like a spreadsheet formula (=, +, -, @)"),
    "ragged": _("the row has more cells than the heading"),
}

NAME_FIELDS = ("first_name", "last_name")
# A value a spreadsheet would run; "+420 …" and "-5" are numbers, not formulas.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s().,/-]*$))")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
_CZ_DATE = re.compile(
    r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)

#: Called inside each batch's transaction before it commits, with the job and the
#: batch's last row number (tests make it raise to simulate a crash mid-import).
batch_hook: Callable[[ImportJob, int], None] | None = None


class _DryRun(Exception):
    """Rolls the dry run's transaction back."""


@dataclass
class RowError:
    row: int
    code: str
    masked: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "email": self.masked}


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


def mask_email(value: str) -> str:
    """``jan.novak@example.cz`` → ``j***@e***.cz``: enough to find the row, not the person."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return (value[:1] + "***")[:64]
    host, dot, tld = domain.rpartition(".")
    masked_domain = (host[:1] + "***" + dot + tld[:10]) if dot else (domain[:1] + "***")
    return (local[:1] + "***@" + masked_domain)[:64]


def parse_date(text: str) -> dt.datetime | None:
    """An ISO date (or date and time) or a Czech ``D. M. YYYY``; None if it is neither."""
    text = text.strip()
    match = _CZ_DATE.match(text)
    value = None
    if match:
        day, month, year, hour, minute, second = match.groups()
        try:
            value = dt.datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            return None
    else:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    value = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


# --- The options of a job ------------------------------------------------------------


@dataclass
class PurposeChoice:
    purpose: ProcessingPurpose
    mode: str  # "assign" or "doi"
    valid_from: str = "now"  # "now", "joined", "date", "column"
    date: dt.datetime | None = None
    column: int | None = None


def purpose_choices(job: ImportJob) -> tuple[list[PurposeChoice], bool]:
    """The job's purposes, and whether any it names no longer exists."""
    wanted = {int(p["purpose_id"]): p for p in job.purposes}
    found = ProcessingPurpose.objects.in_bulk(list(wanted))
    choices = []
    for pk, spec in wanted.items():
        if pk not in found:
            continue
        date = parse_date(spec["date"]) if spec.get("date") else None
        choices.append(
            PurposeChoice(
                purpose=found[pk],
                mode=spec.get("mode", "assign"),
                valid_from=spec.get("valid_from", "now"),
                date=date,
                column=spec.get("column"),
            )
        )
    return choices, len(found) < len(wanted)


@dataclass
class Candidate:
    row: int
    email: str
    index: str
    masked: str
    names: dict[str, str]
    custom: dict[str, str]
    starts: dict[int, dt.datetime]


def _value(cells: list[str], column: int | None) -> str:
    if column is None or column >= len(cells):
        return ""
    return cells[column].strip()


def read_row(
    job: ImportJob, choices: list[PurposeChoice], number: int, cells: list[str]
) -> Candidate | RowError:
    """One row checked: a candidate contact, or the row's first error."""
    mapping = job.mapping
    email = _value(cells, mapping.get("email"))
    masked = mask_email(email)
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    if len(cells) > len(job.headers):
        return RowError(number, "ragged", masked)
    limit = app_settings.IMPORT_MAX_CELL_CHARS
    names = {name: _value(cells, mapping.get(name)) for name in NAME_FIELDS}
    custom = {key: _value(cells, col) for key, col in (mapping.get("custom") or {}).items()}
    values = [email, *names.values(), *custom.values()]
    if any(len(v) > limit for v in values):
        return RowError(number, "too_long", masked)
    if len(email) > 254:
        return RowError(number, "bad_email", masked)
    try:
        validate_email(email)
    except ValidationError:
        return RowError(number, "bad_email", masked)
    if any(_FORMULA.match(v) for v in values if v):
        return RowError(number, "formula", masked)
    starts: dict[int, dt.datetime] = {}
    now = job.created_at
    for choice in choices:
        if choice.valid_from == "column":
            start = parse_date(_value(cells, choice.column))
            if start is None or start > timezone.now():
                return RowError(number, "bad_date", masked)
        elif choice.valid_from == "date":
            start = choice.date or now
        else:  # "now"; "joined" is looked up once the contact is in the list
            start = now
        starts[choice.purpose.pk] = start
    return Candidate(
        row=number,
        email=email,
        index=email_blind_index(email),
        masked=masked,
        names=names,
        custom={k: v for k, v in custom.items() if v},
        starts=starts,
    )


# --- One batch -----------------------------------------------------------------------


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
        invite(
            invitations,
            [c.purpose for c in doi],
            contact_list=job.contact_list,
            source={"import_id": job.pk},
        )
    totals.invited = len(invitations)
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


# --- Running a job -------------------------------------------------------------------


def file_path(job: ImportJob) -> Path:
    return Path(app_settings.IMPORT_DIR) / job.file_path


def _batches(table: Table, after: int) -> Iterator[list[tuple[int, list[str]]]]:
    size = app_settings.IMPORT_BATCH_SIZE
    batch: list[tuple[int, list[str]]] = []
    for item in table.rows(after=after):
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _add(job: ImportJob, totals: Totals) -> None:
    job.created += totals.created
    job.updated += totals.updated
    job.unchanged += totals.unchanged
    job.invited += totals.invited
    job.skipped += totals.skipped


def create_job(chunks: Iterator[bytes] | Any, *, user: Any = None) -> ImportJob:
    """Store an uploaded file (an iterable of byte chunks, e.g. ``UploadedFile.chunks()``)
    in the private import directory and read its heading; a file that cannot be read
    is deleted again and :class:`ImportFileError` raised."""
    directory = Path(app_settings.IMPORT_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.upload"
    path = directory / name
    limit = app_settings.IMPORT_MAX_UPLOAD_BYTES
    size = 0
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise ImportFileError(
                        _("The file is larger than %(size)s MB.") % {"size": limit // 2**20}
                    )
                out.write(chunk)
        table = open_table(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        file_path=name,
        file_kind=table.kind,
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        user=user if audit.user_id(user) else None,
    )


def _open(job: ImportJob) -> Table:
    table = open_table(file_path(job))
    table.headers = job.headers or table.headers
    return table


def check(job: ImportJob) -> Totals:
    """The dry run: every batch written as the run would, then all rolled back.

    Stores the counts and the first errors in ``job.dry_run`` and marks it checked;
    an unreadable file raises :class:`ImportFileError` (nothing stored but the reason).
    """
    choices, missing = purpose_choices(job)
    totals = Totals()
    try:
        with transaction.atomic():
            if missing:
                raise ImportFileError(str(ERRORS["unknown_purpose"]))
            table = _open(job)
            for batch in _batches(table, 0):
                result = process_batch(job, choices, batch)
                totals.rows += result.rows
                for name in ("created", "updated", "unchanged", "invited", "skipped"):
                    setattr(totals, name, getattr(totals, name) + getattr(result, name))
                room = MAX_SHOWN_ERRORS - len(totals.errors)
                totals.errors.extend(result.errors[:room])
            raise _DryRun
    except _DryRun:
        pass
    except ImportFileError as error:
        job.dry_run = {"error": error.messages[0]}
        job.save(update_fields=["dry_run"])
        raise
    if not totals.rows:
        message = str(_("The file has a heading but no rows."))
        job.dry_run = {"error": message}
        job.save(update_fields=["dry_run"])
        raise ImportFileError(message)
    job.dry_run = {"counts": totals.as_dict(), "errors": [e.as_dict() for e in totals.errors]}
    job.total_rows = totals.rows
    job.state = ImportJob.State.CHECKED
    job.save(update_fields=["dry_run", "total_rows", "state"])
    return totals


def run(job_id: int) -> ImportJob:
    """Work the job off from its cursor to the end (what the task runs); a job that
    is done or failed is left as it is."""
    job = ImportJob.objects.get(pk=job_id)
    if job.state in (ImportJob.State.DONE, ImportJob.State.FAILED):
        return job
    choices, missing = purpose_choices(job)
    try:
        if missing:
            raise ImportFileError(str(ERRORS["unknown_purpose"]))
        table = _open(job)
        for batch in _batches(table, job.cursor):
            if not _commit_batch(job.pk, choices, batch):
                break
    except ImportFileError as error:
        return _fail(job.pk, error.messages[0])
    return _finish(job.pk)


def _commit_batch(job_id: int, choices: list[PurposeChoice], batch: list) -> bool:
    """One batch in one transaction with the job's cursor; False if another worker
    moved the cursor meanwhile (that worker carries on)."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("contact_list", "user")
            .get(pk=job_id)
        )
        if job.state in (ImportJob.State.DONE, ImportJob.State.FAILED):
            return False
        if batch[0][0] <= job.cursor:
            return False
        if job.started_at is None:
            job.started_at = timezone.now()
        job.state = ImportJob.State.RUNNING
        totals = process_batch(job, choices, batch)
        _add(job, totals)
        job.cursor = batch[-1][0]
        job.save(
            update_fields=[
                "state",
                "started_at",
                "cursor",
                "created",
                "updated",
                "unchanged",
                "invited",
                "skipped",
            ]
        )
        if batch_hook is not None:
            batch_hook(job, job.cursor)
    return True


def delete_file(job: ImportJob) -> None:
    if job.file_path:
        file_path(job).unlink(missing_ok=True)
        job.file_path = ""
        job.save(update_fields=["file_path"])


def _finish(job_id: int) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.state == ImportJob.State.DONE:
            return job
        job.state = ImportJob.State.DONE
        job.finished_at = timezone.now()
        job.total_rows = max(job.total_rows, job.done)
        job.save(update_fields=["state", "finished_at", "total_rows"])
        audit.log_action(
            job,
            audit.IMPORT_CONTACTS,
            user=job.user,
            data={
                "import_id": job.pk,
                "list_id": job.contact_list_id,
                "purposes": job.purposes,
                "policy": job.policy,
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "invited": job.invited,
                "skipped": job.skipped,
            },
        )
    delete_file(job)
    return job


def _fail(job_id: int, reason: str) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    job.state = ImportJob.State.FAILED
    job.failure = reason
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "failure", "finished_at"])
    delete_file(job)
    return job


def report_rows(job: ImportJob) -> Iterator[dict[str, Any]]:
    """The result report's lines, row after row (streamed from the database)."""
    labels = dict(ImportedRow.Outcome.choices)
    rows = (
        ImportedRow.objects.filter(job=job)
        .order_by("row")
        .values_list("row", "outcome", "code", "masked")
        .iterator(chunk_size=5000)
    )
    for row, outcome, code, masked in rows:
        yield {
            "row": row,
            "outcome": str(labels.get(outcome, outcome)),
            "code": code,
            "error": str(ERRORS.get(code, "")) if code else "",
            "email": masked,
        }

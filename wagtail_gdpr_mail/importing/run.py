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

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import audit
from ..conf import app_settings
from ..exceptions import ImportFileError
from ..models import (
    ImportedRow,
    ImportJob,
)
from .batch import MAX_SHOWN_ERRORS, Totals, process_batch
from .parsing import Table, open_table
from .rows import ERRORS, PurposeChoice, purpose_choices

#: batch's last row number (tests make it raise to simulate a crash mid-import).
batch_hook: Callable[[ImportJob, int], None] | None = None


class _DryRun(Exception):
    """Rolls the dry run's transaction back."""


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
            if not _commit_batch_retrying(job.pk, choices, batch):
                break
    except ImportFileError as error:
        return _fail(job.pk, error.messages[0])
    return _finish(job.pk)


#: Attempts at a batch that collided with a concurrent writer of the same address.
BATCH_ATTEMPTS = 3


def _commit_batch_retrying(job_id: int, choices: list[PurposeChoice], batch: list) -> bool:
    """A form's confirmation or another import may create one of the batch's addresses
    between our lookup and our insert (the unique blind index refuses the second);
    the batch is rolled back whole, and done again it finds that contact existing."""
    for attempt in range(BATCH_ATTEMPTS):
        try:
            return _commit_batch(job_id, choices, batch)
        except IntegrityError:
            if attempt == BATCH_ATTEMPTS - 1:
                raise
    return False


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

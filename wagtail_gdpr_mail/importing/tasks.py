"""The Celery task of an import's run (see :mod:`.run`; the dry run runs in the request)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError, transaction

from ..models import ImportJob
from . import run

#: The registered name (stable: queued messages name it).
RUN_IMPORT = "wagtail_gdpr_mail.tasks.run_import"


@shared_task(
    name=RUN_IMPORT,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def run_import(job_id: int) -> None:
    """Batch after batch; a redelivered message (the worker died) resumes after the
    last committed batch, so no row is imported twice."""
    run.run(job_id)


def start(job: ImportJob) -> None:
    """Queue the run once the transaction that marked the job queued commits."""
    pk = job.pk
    transaction.on_commit(lambda: run_import.delay(pk))

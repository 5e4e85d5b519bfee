"""The Celery task that works off a bulk operation (see :mod:`.bulk`)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError, transaction

from ..models import BulkOperation
from . import bulk

#: The registered name (stable: queued messages name it).
RUN_BULK_OPERATION = "wagtail_gdpr_mail.tasks.run_bulk_operation"


@shared_task(
    name=RUN_BULK_OPERATION,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def run_bulk_operation(operation_id: int) -> None:
    """Batch after batch; a redelivered message (the worker died) resumes after the
    last committed batch, so nothing is done twice."""
    bulk.run(operation_id)


def start(operation: BulkOperation) -> None:
    """Queue the operation once the transaction that created it commits."""
    transaction.on_commit(lambda: run_bulk_operation.delay(operation.pk))

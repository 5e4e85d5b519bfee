"""Tasks of the rights: the "manage your data" link mail, sent through the outbox (see
:mod:`wagtail_gdpr_mail.outbox`), and the daily storage limitation."""

from __future__ import annotations

from celery import shared_task

from .. import outbox
from ..mail import get_adapter
from ..models import AccessRequest
from ..schedule import ENFORCE_STORAGE_LIMITATION
from . import access as self_service
from . import retention


def _compose(access: AccessRequest, token: str) -> outbox.Composed:
    return get_adapter().build_access_mail(access, token), None


@shared_task(name=AccessRequest.outbox_task, **outbox.SEND_TASK_OPTIONS)
def send_access_mail(self, access_id: int) -> str:
    """Send the one-time "manage your data" link; a new token per attempt."""
    return outbox.deliver(
        self,
        AccessRequest,
        access_id,
        compose=_compose,
        wanted=lambda access: access.is_usable and bool(access.contact.email),
        related=("contact",),
    )


@shared_task(name=self_service.REQUEST_TASK, acks_late=True, ignore_result=True)
def request_access(sealed_email: str, language: str = "") -> None:
    """Look the address up; for a contact, write the access request and queue its mail.

    Runs in the worker, so the visitor's request takes the same time for every address.
    """
    self_service.request_access(self_service.open_sealed_address(sealed_email), language=language)


@shared_task(name=ENFORCE_STORAGE_LIMITATION, acks_late=True, ignore_result=True)
def enforce_storage_limitation() -> int:
    """Daily: count the contacts due for erasure, and erase them only where the site's
    ``STORAGE_AUTO_ERASE`` says so. Returns how many were erased."""
    return retention.enforce_storage_limitation().erased

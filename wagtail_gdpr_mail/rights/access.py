"""Self-service for visitors: a one-time link by mail, then a short session bound to the contact.

The views (``rights/views.py``) translate HTTP into these calls; the REST API
and other entry points use the same functions.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from .. import outbox
from ..conf import app_settings
from ..consent.assignments import revoke_assignment
from ..crypto import get_cipher, normalise_email
from ..models import AccessRequest, Contact, PurposeAssignment
from .erasure import erase_contacts

SESSION_KEY = "wagtail_gdpr_mail_access"

logger = logging.getLogger(__name__)


#: The task that looks an address up and, for a contact, queues the link mail.
REQUEST_TASK = "wagtail_gdpr_mail.tasks.request_access"
#: Binds the sealed address in the task message to this use.
REQUEST_TASK_AAD = b"wagtail_gdpr_mail:request_access:email"


def queue_access_request(email: str, *, language: str) -> None:
    """Ask for a "manage your data" link: publish the lookup, whatever the address.

    The request does the same work for known and unknown addresses (no lookup, no
    row: one encryption and one publish), so its answer time tells nothing. The
    address travels through the broker encrypted. If publishing fails the request
    is lost (there is nothing to keep for an unknown address); the visitor asks again.
    """
    sealed = get_cipher().encrypt(normalise_email(email).encode(), REQUEST_TASK_AAD)
    try:
        current_app.tasks[REQUEST_TASK].delay(sealed, (language or "")[:16])
    except Exception:  # noqa: BLE001 - a broker outage must not show the visitor an error
        logger.exception("Could not queue a self-service access request")


def open_sealed_address(sealed: str) -> str:
    return get_cipher().decrypt(sealed, REQUEST_TASK_AAD).decode()


def default_base_url() -> str:
    """Where links in mail point: the default Wagtail site's root URL, never a request's
    Host header (which a client chooses)."""
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    return (site.root_url if site is not None else "") + "/"


def request_access(
    email: str, *, base_url: str | None = None, language: str = ""
) -> AccessRequest | None:
    """Queue a "manage your data" link for ``email`` if it belongs to a contact.

    Returns None for an unknown address. Runs in the task that
    :func:`queue_access_request` publishes.
    """
    contact = Contact.objects.not_anonymised().by_email(email).first()
    if contact is None:
        return None
    with transaction.atomic():
        access = AccessRequest.objects.create(
            contact=contact,
            expires_at=timezone.now() + timedelta(hours=app_settings.SELF_SERVICE_LINK_HOURS),
            base_url=(base_url or default_base_url())[:255],
            language=(language or "")[:16],
        )
        outbox.queue_after_commit(access)
    return access


def usable_access(token: str) -> AccessRequest | None:
    """The access request of a link that still works (unused, unexpired), else None."""
    access = AccessRequest.find_by_token(token)
    return access if access is not None and access.is_usable else None


def use_access(access: AccessRequest, session: Any) -> bool:
    """Use the link up and start the session; False on a second click or a race."""
    with transaction.atomic():
        updated = AccessRequest.objects.filter(pk=access.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    if not updated:
        return False
    session.cycle_key()
    session[SESSION_KEY] = {
        "contact": access.contact_id,
        "until": time.time() + app_settings.SELF_SERVICE_SESSION_MINUTES * 60,
    }
    return True


def session_contact(session: Any) -> Contact | None:
    """The contact whose session this is, while it lasts."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("until", 0) < time.time():
        session.pop(SESSION_KEY, None)
        return None
    return Contact.objects.not_anonymised().filter(pk=state.get("contact")).first()


def withdraw(contact: Contact, assignment_pk: int, *, evidence: dict[str, Any]) -> bool:
    """The contact withdraws one of their own purposes; False if it is not theirs."""
    assignment = PurposeAssignment.objects.filter(contact=contact, pk=assignment_pk).first()
    if assignment is None:
        return False
    revoke_assignment(
        assignment, reason=PurposeAssignment.RevocationReason.WITHDRAWN, evidence=evidence
    )
    return True


def erase_self(contact: Contact, session: Any) -> None:
    """The contact erases themselves (the site's chosen mode) and the session ends."""
    erase_contacts([contact], app_settings.SELF_SERVICE_ERASURE_MODE)
    session.pop(SESSION_KEY, None)

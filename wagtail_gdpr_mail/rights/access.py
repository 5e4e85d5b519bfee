"""Self-service for visitors: a one-time link by mail, then a short session bound to the contact.

The views (``rights/views.py``) translate HTTP into these calls; the REST API
and other entry points use the same functions.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import outbox
from ..conf import app_settings
from ..consent.assignments import revoke_assignment
from ..models import AccessRequest, Contact, PurposeAssignment
from .erasure import erase_contacts

SESSION_KEY = "wagtail_gdpr_mail_access"


def request_access(email: str, *, base_url: str, language: str) -> AccessRequest | None:
    """Queue a "manage your data" link for ``email`` if it belongs to a contact.

    Returns None for an unknown address; the caller answers the same either way.
    """
    contact = Contact.objects.not_anonymised().by_email(email).first()
    if contact is None:
        return None
    with transaction.atomic():
        access = AccessRequest.objects.create(
            contact=contact,
            expires_at=timezone.now() + timedelta(hours=app_settings.SELF_SERVICE_LINK_HOURS),
            base_url=base_url[:255],
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

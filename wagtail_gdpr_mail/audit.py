"""The audit vocabulary: every action the app writes to Wagtail's log, and its writers.

Entries never hold personal data: they name the object by its ``str()`` (which
the models keep free of personal data) and carry ids, counts and field names
in ``data``. Everything that logs calls :func:`log_action` or
:func:`log_many`; ``wagtail_hooks.py`` registers :data:`ACTIONS`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from .signals import personal_data_accessed

PREFIX = "wagtail_gdpr_mail."

VIEW_CONTACT = PREFIX + "view_contact"
ASSIGN_PURPOSE = PREFIX + "assign_purpose"
ASSIGN_PURPOSE_TO_LIST = PREFIX + "assign_purpose_to_list"
#: An editor revoked a purpose in the admin.
REVOKE_PURPOSE = PREFIX + "revoke_purpose"
#: An editor revoked a purpose from a selection of contacts (one entry, with the count).
REVOKE_PURPOSE_BULK = PREFIX + "revoke_purpose_bulk"
#: The contact withdrew a purpose themselves ("my data" page).
WITHDRAW = PREFIX + "withdraw"
#: The contact objected to a purpose based on legitimate interest (GDPR Art. 21).
OBJECTION = PREFIX + "objection"
#: The ESP reported a spam complaint; the app revoked what unsubscribing may revoke.
COMPLAINT = PREFIX + "complaint"
EXPORT = PREFIX + "export"
#: Many contacts exported in one go (one entry, with the count in ``data``).
EXPORT_BULK = PREFIX + "export_bulk"
ERASE = PREFIX + "erase"
RECTIFY = PREFIX + "rectify"
CONFIRM_SIGNUP = PREFIX + "confirm_signup"
ACCEPT_DPA = PREFIX + "accept_dpa"
#: A contact joined a list (``data``: the list's id); logged on the contact.
JOIN_LIST = PREFIX + "join_list"
#: A contact was taken off a list; the membership row stays with its leave date.
LEAVE_LIST = PREFIX + "leave_list"
#: A run of the storage limitation (report erasure or daily job), with its counts.
STORAGE_LIMITATION = PREFIX + "storage_limitation"
#: An editor sent a legitimate-interest purpose's information notice to its holders.
SEND_NOTICE = PREFIX + "send_notice"
#: A bulk operation assigned / revoked a purpose for a segment, a list or a selection
#: (one entry per operation, with the count).
BULK_ASSIGN = PREFIX + "bulk_assign"
BULK_REVOKE = PREFIX + "bulk_revoke"
#: A contact import ran (one entry per import, with its counts; no personal data).
IMPORT_CONTACTS = PREFIX + "import_contacts"
#: A static segment's snapshot was taken (who was in it, kept as evidence).
SEGMENT_SNAPSHOT = PREFIX + "segment_snapshot"
#: One call of the REST API, logged on its key: endpoint, method, status, object ids.
API_CALL = PREFIX + "api_call"
#: An API key was created / revoked in the admin.
CREATE_API_KEY = PREFIX + "create_api_key"
REVOKE_API_KEY = PREFIX + "revoke_api_key"

#: The accesses to personal data that access monitoring counts (``monitoring/``).
ACCESS_ACTIONS = frozenset({VIEW_CONTACT, EXPORT, EXPORT_BULK, ERASE})
#: Campaigns: an editor scheduled, started, paused, resumed or cancelled one, or sent a
#: test to their own address; the campaign finished (``data``: the counts).
CAMPAIGN_SCHEDULE = PREFIX + "campaign_schedule"
CAMPAIGN_START = PREFIX + "campaign_start"
CAMPAIGN_PAUSE = PREFIX + "campaign_pause"
CAMPAIGN_RESUME = PREFIX + "campaign_resume"
CAMPAIGN_CANCEL = PREFIX + "campaign_cancel"
CAMPAIGN_TEST_SEND = PREFIX + "campaign_test_send"
#: A recipient used a campaign's unsubscribe link (logged on the contact).
UNSUBSCRIBE = PREFIX + "unsubscribe"
#: A contact asked, on the preference centre, to give a purpose again: a double opt-in
#: mail went out (``data``: purpose, pending signup and campaign ids).
ASK_AGAIN = PREFIX + "ask_again"

#: (action, label, message) for Wagtail's ``register_log_actions`` hook.
ACTIONS: tuple[tuple[str, Any, Any], ...] = (
    (VIEW_CONTACT, _("View contact"), _("Contact viewed")),
    (ASSIGN_PURPOSE, _("Assign purpose"), _("Purpose assigned")),
    (
        ASSIGN_PURPOSE_TO_LIST,
        _("Assign purpose to list"),
        _("Purpose assigned to every contact of the list"),
    ),
    (REVOKE_PURPOSE, _("Revoke purpose"), _("Purpose revoked")),
    (
        REVOKE_PURPOSE_BULK,
        _("Revoke purpose from contacts"),
        _("Purpose revoked from the selected contacts"),
    ),
    (WITHDRAW, _("Withdraw purpose"), _("Purpose withdrawn by the contact")),
    (OBJECTION, _("Object to processing"), _("Contact objected to the processing (Art. 21)")),
    (COMPLAINT, _("Spam complaint"), _("Purpose revoked after a spam complaint")),
    (EXPORT, _("Export contact"), _("Contact exported")),
    (EXPORT_BULK, _("Export contacts"), _("Many contacts exported at once")),
    (ERASE, _("Erase contact"), _("Contact erased")),
    (RECTIFY, _("Rectify contact"), _("Personal data corrected")),
    (
        CONFIRM_SIGNUP,
        _("Confirm subscription"),
        _("Subscription confirmed by the contact (double opt-in)"),
    ),
    (JOIN_LIST, _("Add to list"), _("Contact added to a list")),
    (LEAVE_LIST, _("Remove from list"), _("Contact removed from a list")),
    (BULK_ASSIGN, _("Bulk assign purpose"), _("Purpose assigned to many contacts")),
    (BULK_REVOKE, _("Bulk revoke purpose"), _("Purpose revoked from many contacts")),
    (SEGMENT_SNAPSHOT, _("Segment snapshot"), _("Segment snapshot taken")),
    (API_CALL, _("API call"), _("The REST API was called with this key")),
    (CREATE_API_KEY, _("Create API key"), _("API key created")),
    (REVOKE_API_KEY, _("Revoke API key"), _("API key revoked")),
    (IMPORT_CONTACTS, _("Import contacts"), _("Contacts imported")),
    (CAMPAIGN_SCHEDULE, _("Schedule campaign"), _("Campaign scheduled")),
    (CAMPAIGN_START, _("Start campaign"), _("Campaign started")),
    (CAMPAIGN_PAUSE, _("Pause campaign"), _("Campaign paused")),
    (CAMPAIGN_RESUME, _("Resume campaign"), _("Campaign resumed")),
    (CAMPAIGN_CANCEL, _("Cancel campaign"), _("Campaign cancelled")),
    (CAMPAIGN_TEST_SEND, _("Send test campaign"), _("Test of the campaign sent to the editor")),
    (UNSUBSCRIBE, _("Unsubscribe"), _("Contact unsubscribed through a campaign link")),
    (
        ASK_AGAIN,
        _("Ask again for a purpose"),
        _("Contact asked to give a purpose again; confirmation e-mail sent"),
    ),
    (
        ACCEPT_DPA,
        _("Accept data processing agreement"),
        _("Data processing agreement accepted"),
    ),
    (
        STORAGE_LIMITATION,
        _("Storage limitation"),
        _("Contacts without a valid purpose past the grace period counted or erased"),
    ),
    (
        SEND_NOTICE,
        _("Send information notice"),
        _("Legitimate-interest notice sent to the purpose's contacts"),
    ),
)


def register_actions(registry: Any) -> None:
    for action, label, message in ACTIONS:
        registry.register_action(action, label, message)


def user_id(user: Any) -> int | None:
    """The id of an authenticated user, else None (visitors, ESPs, tasks)."""
    return getattr(user, "pk", None) if user is not None and user.is_authenticated else None


def log_action(
    instance: models.Model,
    action: str,
    *,
    user: Any = None,
    data: dict[str, Any] | None = None,
    revision: Any = None,
    ip: str = "",
) -> Any:
    """One audit entry for ``instance`` (Wagtail's ``log()`` with our vocabulary).

    ``ip`` (the request's address) is not logged; access monitoring compares it with
    the addresses the editor used before."""
    entry = log(instance, action, user=user, data=data or {}, revision=revision)
    count = int((data or {}).get("count", 1)) if action == EXPORT_BULK else 1
    _accessed(type(instance), action, user, count, ip)
    return entry


def _accessed(model: type[models.Model], action: str, user: Any, count: int, ip: str) -> None:
    if action in ACCESS_ACTIONS and user_id(user) is not None:
        personal_data_accessed.send(
            sender=model, action=action, user=user, count=count, ip=ip or ""
        )


def log_many(
    instances: Iterable[models.Model],
    action: str,
    *,
    user: Any = None,
    data: dict[str, Any] | None = None,
) -> int:
    """One entry per instance, written in one statement, sharing one batch uuid.

    Wagtail's ``log()`` validates and saves each entry alone, which dominates
    bulk work (erasing thousands of contacts). Only for models logged through
    ``ModelLogEntry`` (not pages).
    """
    instances = list(instances)
    if not instances:
        return 0
    content_type = ContentType.objects.get_for_model(type(instances[0]))
    now, batch, actor = timezone.now(), uuid.uuid4(), user_id(user)
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type=content_type,
                object_id=str(instance.pk),
                label=str(instance),
                action=action,
                data=data or {},
                timestamp=now,
                uuid=batch,
                user_id=actor,
            )
            for instance in instances
        ],
        batch_size=1000,
    )
    _accessed(type(instances[0]), action, user, len(instances), "")
    return len(instances)

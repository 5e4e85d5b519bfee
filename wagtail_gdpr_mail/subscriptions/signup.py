"""Subscribing and confirming: the pending signup and the double opt-in.

The views (``subscriptions/views.py``) only translate HTTP into calls here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.http import HttpRequest
from django.utils import timezone
from wagtail.models import Page, Revision

from .. import audit, outbox
from ..conf import app_settings
from ..consent.assignments import assign_purpose
from ..consent.evidence import client_info
from ..crypto import email_blind_index, email_blind_index_candidates
from ..lists import add_to_list
from ..locking import retry_when_locked, write_transaction
from ..mail import default_site
from ..models import (
    Contact,
    ContactList,
    ContactSource,
    LegalBasis,
    ProcessingPurpose,
    Suppression,
)
from ..models.bulk_insert import insert_many
from ..models.outbox import MailStatus
from ..models.signups import PendingSignup
from ..ratelimit import claim_confirmation_mail, claim_quiet_period, release_quiet_guard
from .blocks import DEFAULT_BODY, DEFAULT_SUBJECT
from .forms import SubscriptionForm, form_snapshot, purpose_snapshot, purpose_snapshots

# --- Submitting --------------------------------------------------------------------


#: Addresses that get no confirmation mail: the mailbox bounced hard or its owner
#: complained. An erased address still gets one: the person's own double opt-in is the
#: one way back.
NO_MAIL_REASONS = (Suppression.Reason.BOUNCED, Suppression.Reason.COMPLAINED)


def submit(request: HttpRequest, page: Page, form: SubscriptionForm) -> PendingSignup | None:
    """Store a valid submission and queue its confirmation mail (after commit).

    A second submission for the same address (plus-tags count as one) within the
    quiet period stores nothing new: it resends the pending signup's mail, with a
    fresh link (the earlier links keep working), unless the last mail left less
    than ``RESEND_AFTER_SECONDS`` ago (a double click) or the address had
    ``CONFIRMATION_MAILS_PER_DAY`` mails already. A hard-bounced or complained
    address gets nothing. Returns the signup whose mail is queued (for a resend, a
    handle holding only its pk), or None.

    The visitor sees the same answer either way, after much the same work: every
    submission writes its row and publishes a send task; a row that must not be
    kept is rolled back to its savepoint, so its task finds nothing and sends nothing.
    """
    email = form.cleaned_data["email"]
    config = form.config
    now = timezone.now()
    data = {
        "first_name": form.cleaned_data.get("first_name", ""),
        "last_name": form.cleaned_data.get("last_name", ""),
        "purpose_ids": [p.pk for p in form.chosen_purposes()],
        "submission": {"at": now.isoformat(), **client_info(request)},
        "form": form_snapshot(config, page, form),
        "mail": {"subject": config.get("mail_subject"), "body": config.get("mail_body")},
        "base_url": base_url_of(page),
        "language": getattr(request, "LANGUAGE_CODE", None),
    }
    return _claim_and_store(
        email, data, page=page, form_id=config["form_id"], contact_list=config.get("target_list")
    )


def submit_without_form(
    email: str,
    purposes: list[ProcessingPurpose],
    *,
    source: str,
    first_name: str = "",
    last_name: str = "",
    contact_list: ContactList | None = None,
    origin: dict[str, Any] | None = None,
    language: str | None = None,
) -> PendingSignup | None:
    """The double opt-in for a signup that no form showed (the API, an import): the
    same pending signup, quiet period, mail bounds and confirmation as :func:`submit`,
    with the default mail texts. ``origin`` (ids only) goes into the evidence, and the
    confirmed purposes get ``source``."""
    basis_codes = LegalBasis.objects.codes()
    shown = [purpose_snapshot(p, basis_codes) for p in purposes]
    site = default_site()
    data = {
        "first_name": first_name,
        "last_name": last_name,
        "purpose_ids": [p.pk for p in purposes],
        "submission": {"at": timezone.now().isoformat(), **(origin or {})},
        "form": {
            "origin": source,
            "main_purpose": shown[0] if shown else None,
            "extra_purposes": shown[1:],
            "fields": [
                "email",
                *(["first_name"] if first_name else []),
                *(["last_name"] if last_name else []),
            ],
        },
        "mail": {"subject": str(DEFAULT_SUBJECT), "body": str(DEFAULT_BODY)},
        "base_url": (site.root_url if site is not None else "") + "/",
        "language": language,
        "source": source,
    }
    return _claim_and_store(email, data, page=None, form_id="", contact_list=contact_list)


def _claim_and_store(email: str, data: dict[str, Any], **row: Any) -> PendingSignup | None:
    claimed = claim_quiet_period(email)
    try:
        return _store_signup(email, data, first=claimed, **row)
    except Exception:
        if claimed:
            release_quiet_guard([email])
        raise


def base_url_of(page: Page) -> str:
    """Where links in mail point: the root URL of the page's Wagtail site, never the
    request's Host header (which a client chooses)."""
    # get_url_parts() reads Wagtail's cached site root paths: no query per submission.
    parts = page.get_url_parts()
    return (parts[1] if parts else "") + "/"


def _blocking(email: str, now: datetime) -> tuple[list[int], bool]:
    """The address's pending signups of the quiet period, and whether it bounced or
    complained: one query for both reasons not to store a new signup."""
    quiet_since = now - timedelta(minutes=app_settings.QUIET_PERIOD_MINUTES)
    pending = (
        PendingSignup.objects.filter(
            email_index__in=email_blind_index_candidates(email),
            created_at__gte=quiet_since,
            confirmed_at__isnull=True,
        )
        .annotate(reason=Value("pending"))
        .values_list("reason", "pk")
    )
    suppressed = (
        Suppression.objects.for_email(email)
        .filter(reason__in=NO_MAIL_REASONS)
        .annotate(why=Value("suppressed"))
        .values_list("why", "pk")
    )
    rows = list(pending.union(suppressed, all=True))
    pending_pks = [pk for reason, pk in rows if reason == "pending"]
    return pending_pks, len(pending_pks) < len(rows)


def _requeue(pk: int) -> None:
    """Mark a signup's mail queued with its attempts starting over: one UPDATE.

    A resend does it to the pending signup; a first submission does it to its new row
    (a no-op there), so that both paths run the same statements and the response time
    does not tell whether the address has a pending signup. If a resent signup's first
    mail is still on its way, the send task marks the row sent and the resend's task
    then finds nothing to do: the person gets that mail.
    """
    PendingSignup.objects.filter(pk=pk).update(mail_status=MailStatus.QUEUED, mail_attempts=0)


def _store_signup(
    email: str,
    data: dict[str, Any],
    *,
    first: bool,
    page: Page | None,
    form_id: str,
    contact_list: ContactList | None,
) -> PendingSignup | None:
    now = timezone.now()
    # Reads, then writes: on SQLite a double click's second request would find the
    # database locked (a 500) without the write lock taken up front.
    with write_transaction():
        pending, suppressed = _blocking(email, now)
        keep = first and not pending and not suppressed
        resend = bool(pending) and not suppressed
        if keep or resend:
            # Inside the transaction: a double click that sees this row sees the claim too.
            allowed = claim_confirmation_mail(email, resend=resend)
            keep, resend = keep and allowed, resend and allowed
        savepoint = transaction.savepoint()
        signup = PendingSignup.objects.create(
            email=email,
            email_index=email_blind_index(email),
            page=page,
            form_id=form_id,
            contact_list=contact_list,
            created_at=now,
            expires_at=now + timedelta(days=app_settings.SIGNUP_EXPIRY_DAYS),
            data=data,
        )
        if keep:
            transaction.savepoint_commit(savepoint)
        else:
            transaction.savepoint_rollback(savepoint)
        if resend:
            signup = PendingSignup(pk=max(pending))
        _requeue(signup.pk)
        outbox.queue_after_commit(signup)
    return signup if keep or resend else None


@dataclass(frozen=True)
class Invitation:
    """One address invited by an import (or another bulk source) to confirm."""

    email: str
    email_index: str
    first_name: str = ""
    last_name: str = ""


def invite(
    invitations: list[Invitation],
    purposes: list[ProcessingPurpose],
    *,
    contact_list: ContactList | None,
    source: dict,
) -> int:
    """Store a pending signup per invitation and queue its confirmation mail after
    commit: the same double opt-in as a form's, so the contact appears (or gets the
    purposes) only when the person confirms. ``source`` says where the addresses came
    from (an import's id); it becomes the evidence's "submission". Returns the count.
    """
    if not invitations:
        return 0
    now = timezone.now()
    site = default_site()
    base_url = (site.root_url if site else "") + "/"
    shown = purpose_snapshots(purposes)
    form = {"form_id": "", "main_purpose": shown[0], "extra_purposes": shown[1:], **source}
    mail = {"subject": str(DEFAULT_SUBJECT), "body": str(DEFAULT_BODY)}
    signups = [
        PendingSignup(
            email=item.email,
            email_index=item.email_index,
            page=None,
            form_id=f"import-{source.get('import_id', '')}"[:64],
            contact_list=contact_list,
            created_at=now,
            expires_at=now + timedelta(days=app_settings.SIGNUP_EXPIRY_DAYS),
            data={
                "first_name": item.first_name,
                "last_name": item.last_name,
                "purpose_ids": [p.pk for p in purposes],
                "submission": {"at": now.isoformat(), **source},
                "form": form,
                "mail": mail,
                "base_url": base_url,
                "language": None,
            },
        )
        for item in invitations
    ]
    insert_many(PendingSignup, signups)
    for signup in signups:
        outbox.queue_after_commit(signup)
    return len(signups)


#: The ``form_id`` of a signup asked for from the preference centre (no page, no form).
PREFERENCE_CENTRE_FORM_ID = "preference-centre"


def ask_again(
    contact: Contact,
    purposes: list[ProcessingPurpose],
    *,
    request: HttpRequest,
    form: dict[str, Any],
    mail: dict[str, str],
    base_url: str,
) -> PendingSignup | None:
    """A known contact asks to give ``purposes`` again (from the preference centre).

    The same double opt-in as a form: a pending signup for the contact's address whose
    confirmation mail (``mail``: subject and body with ``{confirm_url}``) they confirm by
    its link; ``form`` is what the page showed them, kept as evidence. None when no mail
    may go now: the address bounced or complained, had its confirmation mails for the
    day, or was mailed seconds ago (a double click).
    """
    email = contact.email
    if (
        not email
        or Suppression.objects.for_email(email).filter(reason__in=NO_MAIL_REASONS).exists()
    ):
        return None
    now = timezone.now()
    with write_transaction():
        if not claim_confirmation_mail(email, resend=True):
            return None
        signup = PendingSignup.objects.create(
            email=email,
            email_index=email_blind_index(email),
            form_id=PREFERENCE_CENTRE_FORM_ID,
            created_at=now,
            expires_at=now + timedelta(days=app_settings.SIGNUP_EXPIRY_DAYS),
            data={
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "purpose_ids": [p.pk for p in purposes],
                "submission": {"at": now.isoformat(), **client_info(request)},
                "form": form,
                "mail": mail,
                "base_url": base_url,
                "language": getattr(request, "LANGUAGE_CODE", None),
            },
        )
        outbox.queue_after_commit(signup)
    return signup


# --- Confirming --------------------------------------------------------------------


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"
    INVALID = "invalid"
    #: The database stayed locked by other writers (SQLite): nothing changed, try again.
    BUSY = "busy"


@dataclass
class Confirmation:
    outcome: Outcome
    signup: PendingSignup | None = None
    contact: Contact | None = None


def find_signup(token: str) -> PendingSignup | None:
    return PendingSignup.find_by_token(token)


def confirm(token: str, request: HttpRequest) -> Confirmation:
    """Turn a pending signup into a contact with its purposes — exactly once.

    One transaction: the signup row is locked, so a double click or two
    concurrent requests confirm once; the second sees ``ALREADY_CONFIRMED``. On
    SQLite, where a second writer can find the database locked, the transaction
    is tried again a few times and then answers ``BUSY``.
    """
    return retry_when_locked(lambda: _confirm_once(token, request), busy=Confirmation(Outcome.BUSY))


def _confirm_once(token: str, request: HttpRequest) -> Confirmation:
    signup = find_signup(token)
    if signup is None:
        return Confirmation(Outcome.INVALID)
    with write_transaction():
        signup = PendingSignup.objects.select_for_update().get(pk=signup.pk)
        if signup.confirmed_at is not None:
            return Confirmation(Outcome.ALREADY_CONFIRMED, signup)
        if signup.is_expired:
            return Confirmation(Outcome.EXPIRED, signup)
        now = timezone.now()
        lifted = list(Suppression.objects.for_email(signup.email).values_list("reason", flat=True))
        Suppression.objects.for_email(signup.email).delete()
        contact = _contact_for(signup)
        if signup.contact_list_id:
            add_to_list([contact], signup.contact_list, when=now)
        data = signup.data
        evidence = {
            "submission": data.get("submission"),
            "confirmation": {"at": now.isoformat(), **client_info(request)},
            "form": data.get("form"),
            "mail": signup.mail_snapshot,
            "signup_id": signup.pk,
        }
        if lifted:
            evidence["suppression_lifted"] = lifted
        shown = data.get("form") or {}
        seen_revisions = {
            p["id"]: p.get("revision_id")
            for p in [shown.get("main_purpose") or {}, *(shown.get("extra_purposes") or [])]
            if p
        }
        # A revision purged since the visit cannot be pointed at; fall back to the current one.
        existing = set(
            Revision.objects.filter(pk__in=[r for r in seen_revisions.values() if r]).values_list(
                "pk", flat=True
            )
        )
        seen_revisions = {k: v for k, v in seen_revisions.items() if v in existing}
        purposes = ProcessingPurpose.objects.filter(pk__in=data.get("purpose_ids", []))
        for purpose in purposes:
            assign_purpose(
                contact,
                purpose,
                source=data.get("source") or ContactSource.FORM,
                valid_from=now,
                evidence=evidence,
                audit=False,
                purpose_revision_id=seen_revisions.get(purpose.pk),
            )
        release_quiet_guard([signup.email])
        # The evidence now lives in the consent records; the signup keeps no
        # personal data, only what answers a second click until it is purged.
        signup.confirmed_at = now
        signup.email, signup.email_index, signup.data, signup.mail_snapshot = "", "", {}, None
        signup.save(update_fields=["confirmed_at", "email", "email_index", "data", "mail_snapshot"])
        audit.log_action(
            contact,
            audit.CONFIRM_SIGNUP,
            data={"signup_id": signup.pk, "purpose_ids": sorted(p.pk for p in purposes)},
        )
    return Confirmation(Outcome.CONFIRMED, signup, contact)


def _contact_for(signup: PendingSignup) -> Contact:
    """The contact with the signup's address: found by blind index, or created."""
    data = signup.data
    contact = (
        Contact.objects.select_for_update()
        .filter(email_index__in=email_blind_index_candidates(signup.email))
        .first()
    )
    if contact is None:
        try:
            with transaction.atomic():
                contact = Contact(
                    email=signup.email,
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    source=data.get("source") or ContactSource.FORM,
                )
                # The person's own double opt-in is the one way past a suppression.
                contact.save(allow_suppressed=True)
                return contact
        except IntegrityError:
            # Another signup for the same address confirmed at this very moment.
            contact = Contact.objects.select_for_update().by_email(signup.email).get()
    changed = []
    for field in ("first_name", "last_name"):
        if data.get(field) and getattr(contact, field) != data[field]:
            setattr(contact, field, data[field])
            changed.append(field)
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
    return contact

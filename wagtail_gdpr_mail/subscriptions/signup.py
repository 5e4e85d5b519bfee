"""Subscribing and confirming: the pending signup and the double opt-in.

The views (``subscriptions/views.py``) only translate HTTP into calls here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, connections, router, transaction
from django.db.models import QuerySet, Value
from django.db.models.sql import InsertQuery
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
from ..models import (
    Contact,
    ContactList,
    ContactSource,
    ProcessingPurpose,
    Suppression,
)
from ..models.outbox import MailStatus
from ..models.signups import PendingSignup
from ..ratelimit import claim_confirmation_mail, claim_quiet_period, release_quiet_guard
from .forms import SubscriptionForm
from .published import PublishedForm

# --- Submitting --------------------------------------------------------------------


#: Addresses that get no confirmation mail: the mailbox bounced hard or its owner
#: complained. An erased address still gets one: the person's own double opt-in is the
#: one way back.
NO_MAIL_REASONS = (Suppression.Reason.BOUNCED, Suppression.Reason.COMPLAINED)


def submit(
    request: HttpRequest, published: PublishedForm, form: SubscriptionForm
) -> PendingSignup | None:
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
    kept is deleted again in the same transaction (:func:`_settle`), so its task
    finds nothing and sends nothing.
    """
    config = published.config
    data = {
        "first_name": form.cleaned_data.get("first_name", ""),
        "last_name": form.cleaned_data.get("last_name", ""),
        "purpose_ids": [p.pk for p in form.chosen_purposes()],
        "submission": {"at": timezone.now().isoformat(), **client_info(request)},
        "form": published.snapshot,
        "mail": {"subject": config.get("mail_subject"), "body": config.get("mail_body")},
        "base_url": published.base_url,
        "language": getattr(request, "LANGUAGE_CODE", None),
    }
    return _claim_and_store(
        form.cleaned_data["email"],
        data,
        page=published.page,
        form_id=config["form_id"],
        contact_list=config.get("target_list"),
    )


def _claim_and_store(email: str, data: dict[str, Any], **row: Any) -> PendingSignup | None:
    claimed = claim_quiet_period(email)
    try:
        return _store_signup(email, data, first=claimed, **row)
    except Exception:
        if claimed:
            release_quiet_guard([email])
        raise


def _pending_and_suppressed(email: str, now: datetime) -> tuple[QuerySet, QuerySet]:
    """The address's pending signups of the quiet period, and its suppressions for a
    bounce or complaint: the two reasons not to store a new signup (pks only)."""
    quiet_since = now - timedelta(minutes=app_settings.QUIET_PERIOD_MINUTES)
    pending = PendingSignup.objects.filter(
        email_index__in=email_blind_index_candidates(email),
        created_at__gte=quiet_since,
        confirmed_at__isnull=True,
    ).values_list("pk", flat=True)
    suppressed = (
        Suppression.objects.for_email(email)
        .filter(reason__in=NO_MAIL_REASONS)
        .values_list("pk", flat=True)
    )
    return pending, suppressed


def _returning_checks(connection) -> str:
    """``RETURNING`` the new pk, the pending signups and the suppression of
    :func:`_pending_and_suppressed`, written out once: compiling the two querysets for
    every submission cost more than running them. Parameters: the blind-index
    candidates, the start of the quiet period, the candidates, the reasons."""
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    signups, suppressions = quote(PendingSignup._meta.db_table), quote(Suppression._meta.db_table)
    pending = (
        f"SELECT {column(PendingSignup, 'id')} FROM {signups} "  # noqa: S608 - model names
        f"WHERE {column(PendingSignup, 'email_index')} = ANY(%s) "
        f"AND {column(PendingSignup, 'created_at')} >= %s "
        f"AND {column(PendingSignup, 'confirmed_at')} IS NULL"
    )
    suppressed = (
        f"SELECT 1 FROM {suppressions} "  # noqa: S608 - model names
        f"WHERE {column(Suppression, 'address_index')} = ANY(%s) "
        f"AND {column(Suppression, 'reason')} = ANY(%s)"
    )
    return f"RETURNING {column(PendingSignup, 'id')}, ARRAY({pending}), EXISTS({suppressed})"


def _insert_checking(row: PendingSignup, email: str, now: datetime) -> tuple[list[int], bool]:
    """Insert ``row``; return the address's other pending signups of the quiet period
    and whether it bounced or complained.

    On PostgreSQL one statement does both (``INSERT … RETURNING`` with the two look-ups
    of :func:`_pending_and_suppressed` as subqueries, which see the table as it was
    before the insert); elsewhere a UNION of those look-ups, then the insert.
    """
    using = router.db_for_write(PendingSignup)
    connection = connections[using]
    if connection.vendor != "postgresql":
        pending, suppressed = _pending_and_suppressed(email, now)
        rows = list(
            pending.annotate(reason=Value("pending"))
            .values_list("reason", "pk")
            .union(suppressed.annotate(why=Value("suppressed")).values_list("why", "pk"), all=True)
        )
        row.save(force_insert=True, using=using)
        pending_pks = [pk for reason, pk in rows if reason == "pending"]
        return pending_pks, len(pending_pks) < len(rows)
    meta = PendingSignup._meta
    query = InsertQuery(PendingSignup)
    query.insert_values([f for f in meta.local_concrete_fields if f is not meta.pk], [row])
    insert_sql, insert_params = query.get_compiler(using=using).as_sql()[0]
    candidates = email_blind_index_candidates(email)
    quiet_since = now - timedelta(minutes=app_settings.QUIET_PERIOD_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{insert_sql} {_returning_checks(connection)}",
            (
                *insert_params,
                candidates,
                quiet_since,
                candidates,
                [r.value for r in NO_MAIL_REASONS],
            ),
        )
        row.pk, pending_pks, is_suppressed = cursor.fetchone()
    row._state.adding, row._state.db = False, using
    return list(pending_pks), bool(is_suppressed)


def _settle(*, drop: int | None, requeue: int | None) -> None:
    """Remove the row not to keep and mark the row to mail queued, its attempts starting
    over: one statement on every path (PostgreSQL), each id None when there is none.

    A first submission requeues its new row (a no-op there); a resend drops its new row
    and requeues the pending signup; a submission that gets no mail only drops. All run
    the same statements, so the response time does not tell whether the address has a
    pending signup. The dropped row never leaves the transaction. If a resent signup's
    first mail is still on its way, the send task marks the row sent and the resend's
    task then finds nothing to do: the person gets that mail.
    """
    meta = PendingSignup._meta
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    status = quote(meta.get_field("mail_status").column)
    attempts = quote(meta.get_field("mail_attempts").column)
    delete = f"DELETE FROM {table} WHERE {pk} = %s"  # noqa: S608 - names from the model
    update = f"UPDATE {table} SET {status} = %s, {attempts} = 0 WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH dropped AS ({delete}) {update}", [drop, MailStatus.QUEUED, requeue]
            )
        else:  # no DELETE inside WITH: two statements, on every path alike
            cursor.execute(delete, [drop])
            cursor.execute(update, [MailStatus.QUEUED, requeue])


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
        signup = PendingSignup(
            email=email,
            email_index=email_blind_index(email),
            page=page,
            form_id=form_id,
            contact_list=contact_list,
            created_at=now,
            expires_at=now + timedelta(days=app_settings.SIGNUP_EXPIRY_DAYS),
            data=data,
        )
        # Every submission writes its row, whatever the look-ups find: the same work
        # on every path. _settle() drops it again when it must not be kept.
        pending, suppressed = _insert_checking(signup, email, now)
        keep = first and not pending and not suppressed
        resend = bool(pending) and not suppressed
        if keep or resend:
            # Inside the transaction: a double click that sees this row sees the claim too.
            allowed = claim_confirmation_mail(email, resend=resend)
            keep, resend = keep and allowed, resend and allowed
        new_pk = signup.pk
        if resend:
            signup = PendingSignup(pk=max(pending))
        _settle(drop=None if keep else new_pk, requeue=signup.pk if keep or resend else None)
        # Published on every path: a task for a dropped row finds nothing and sends nothing.
        outbox.queue_after_commit(signup)
    return signup if keep or resend else None


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

"""Fan-out: claim a batch of delivery rows, send it in one ESP call, mark it sent.

A worker claims up to ``CAMPAIGN_BATCH_SIZE`` rows with ``SELECT … FOR UPDATE SKIP
LOCKED``: rows that are queued, or that another worker claimed and whose lease ran
out (that worker died). The same query checks each recipient again — still holds the
purpose, not suppressed, not erased — so whoever lost the purpose while the campaign
was running is skipped with its reason. The claimed rows get a fresh token and a lease
and are committed as ``sending``; the batch then goes to the ESP as one Anymail batch
message (per-recipient ``merge_data``, ``merge_metadata``, ``merge_headers``) or, for
backends that cannot, as one message per recipient over one connection. Right after
the ESP answers, the rows are marked sent in one transaction.

Idempotency: the rows of a batch are ``sending`` while the ESP call runs; another
worker takes them over only after the lease expires. A worker killed after the ESP
accepted the batch but before the rows were marked leaves a window in which the batch
goes out again; every message carries a Message-ID derived from its delivery row, the
same on each attempt, so an ESP or mailbox that deduplicates by it drops the copy
(docs/campaigns.md, "Sending and the idempotency window").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from anymail.backends.base import AnymailBaseBackend
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.cache import caches
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.module_loading import import_string

from ..conf import app_settings
from ..locking import write_transaction
from ..models import Campaign, CampaignStatus, Delivery, DeliveryStatus, PurposeAssignment
from ..models.campaigns import DELIVERY_METADATA_KEY
from ..models.suppression import Suppression
from ..outbox import TRANSIENT_ERRORS
from ..tokens import hash_token, new_token
from .compose import TOKEN_FIELD, TOKEN_SLOT, CampaignMail, compose
from .recipients import ERASED, NO_VALID_PURPOSE, SUPPRESSED

logger = logging.getLogger(__name__)

#: ``Delivery.skip_reason`` of a row that failed: attempts used up, or the ESP refused.
TOO_MANY_ATTEMPTS = "too_many_attempts"
RECIPIENT_REFUSED = "recipient_refused"
#: HTTP statuses of the ESP that are worth another try (the rest of 4xx is permanent).
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
#: Anymail's per-recipient statuses that mean the ESP will not send to that address.
REFUSED_STATUSES = frozenset({"rejected", "invalid", "failed"})


@dataclass
class Recipient:
    pk: int
    email: str
    tracked: bool
    token: str = ""


@dataclass
class BatchResult:
    """What happened to one claimed batch (for the task, logs and tests)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    #: Rows handed back to the queue after a temporary ESP error.
    released: int = 0
    error: Exception | None = None
    claimed: bool = False
    #: The highest row id claimed: the next claim of this worker starts after it.
    last_id: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


# --- the ESP -----------------------------------------------------------------------


def sends_batches(backend: str | None = None) -> bool:
    """Whether the site's e-mail backend can send one batch with per-recipient merge data."""
    backend = backend or settings.EMAIL_BACKEND
    if backend in app_settings.CAMPAIGN_UNBATCHED_BACKENDS:
        return False
    try:
        return issubclass(import_string(backend), AnymailBaseBackend)
    except ImportError:
        return False


def batch_size() -> int:
    """Rows per claim: the batch setting, no more than one second's worth of the rate."""
    size = app_settings.CAMPAIGN_BATCH_SIZE
    rate = app_settings.CAMPAIGN_RATE_LIMIT
    return max(1, min(size, int(rate))) if rate > 0 else size


def wait_for_rate(count: int) -> None:
    """Block until ``count`` more messages fit in the site-wide rate (all workers).

    A fixed one-second window counted in the ``RATE_LIMIT_CACHE`` (shared when that cache
    is Redis or Memcached), not Celery's ``rate_limit``, which counts per worker.
    """
    rate = app_settings.CAMPAIGN_RATE_LIMIT
    if rate <= 0:
        return
    cache = caches[app_settings.RATE_LIMIT_CACHE]
    while True:
        now = time.time()
        key = f"wagtail_gdpr_mail:campaign-rate:{settings.EMAIL_BACKEND}:{int(now)}"
        cache.add(key, 0, timeout=5)
        try:
            used = cache.incr(key, count)
        except ValueError:  # the key expired between add and incr
            continue
        if used <= rate or used == count:
            return
        time.sleep(max(0.0, int(now) + 1 - now))


def _esp_error_is_permanent(exc: Exception) -> bool:
    if isinstance(exc, AnymailRecipientsRefused):
        return True
    status = getattr(exc, "status_code", None)
    if isinstance(exc, AnymailAPIError) and status is not None:
        return 400 <= status < 500 and status not in TRANSIENT_STATUSES
    return False


def _error_reason(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}{f' {status}' if status else ''}"[:255]


# --- claiming ----------------------------------------------------------------------


def _claimable(campaign_id: int, now: datetime) -> Any:
    return Delivery.objects.filter(campaign_id=campaign_id).filter(
        Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
    )


def _locking_ids(campaign_id: int, now: datetime, size: int, after: int = 0) -> RawSQL:
    """The ids of the next ``size`` claimable rows, locked (skipping rows others hold):
    queued rows in id order past ``after``, so the index (campaign, status, id) stops
    after ``size`` rows; on a worker's first and last claim (``after`` 0) the rows of a
    dead worker whose lease ran out come first. (Each row's index entries as queued and
    as sending stay until vacuum: a scan over all of them at every claim would cost more
    with every batch sent.)"""
    expired = (
        after == 0
        and Delivery.objects.filter(
            campaign_id=campaign_id, status=DeliveryStatus.SENDING, lease_until__lt=now
        ).exists()
    )
    table = connection.ops.quote_name(Delivery._meta.db_table)
    # Past ``after`` (this worker's last claim): the index entries of rows already sent
    # stay until vacuum, and a scan from the start would step over all of them each time.
    condition, params = "status = %s AND id > %s", [DeliveryStatus.QUEUED, after]
    if expired:
        condition, params = "status = %s AND lease_until < %s", [DeliveryStatus.SENDING, now]
    lock = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    return RawSQL(  # noqa: S611 - names quoted, values bound
        f"SELECT id FROM {table} WHERE campaign_id = %s AND {condition} "  # noqa: S608
        f"ORDER BY id LIMIT %s{lock}",
        [campaign_id, *params, size],
    )


def claim(
    campaign: Campaign, size: int, now: datetime | None = None, *, after: int = 0
) -> tuple[list[Recipient], BatchResult]:
    """Claim up to ``size`` rows of a sending campaign for this worker (committed).

    One query locks the rows (skipping those other workers hold) and checks their
    recipients again; rows of recipients who may no longer get the campaign are skipped,
    rows out of attempts failed, the rest get a token and a lease.
    """
    now = now or timezone.now()
    result = BatchResult()
    purpose_held = PurposeAssignment.objects.valid_at(now).filter(
        contact_id=OuterRef("contact_id"), purpose_id=campaign.purpose_id
    )
    suppressed = Suppression.objects.filter(address_index=OuterRef("contact__email_index"))
    with write_transaction():
        if not Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).exists():
            return [], result
        rows = list(
            Delivery.objects.filter(pk__in=_locking_ids(campaign.pk, now, size, after))
            .select_related("contact")
            .only("pk", "tracked", "attempts", "contact__email", "contact__anonymised_at")
            .annotate(holds_purpose=Exists(purpose_held), is_suppressed=Exists(suppressed))
            .order_by("pk")
        )
        if not rows:
            return [], result
        result.claimed = True
        result.last_id = max(row.pk for row in rows)
        skipped: dict[str, list[int]] = {}
        failed: list[int] = []
        recipients: list[Recipient] = []
        for row in rows:
            contact = row.contact
            if contact is None or contact.anonymised_at is not None or not contact.email:
                skipped.setdefault(ERASED, []).append(row.pk)
            elif not row.holds_purpose:
                skipped.setdefault(NO_VALID_PURPOSE, []).append(row.pk)
            elif row.is_suppressed:
                skipped.setdefault(SUPPRESSED, []).append(row.pk)
            elif row.attempts >= app_settings.MAIL_MAX_ATTEMPTS:
                failed.append(row.pk)
            else:
                recipients.append(Recipient(row.pk, str(contact.email), row.tracked, new_token()))
        for reason, pks in skipped.items():
            Delivery.objects.filter(pk__in=pks).update(
                status=DeliveryStatus.SKIPPED, skip_reason=reason, lease_until=None
            )
            result.skipped += len(pks)
            result.reasons[reason] = len(pks)
        if failed:
            Delivery.objects.filter(pk__in=failed).update(
                status=DeliveryStatus.FAILED, skip_reason=TOO_MANY_ATTEMPTS, lease_until=None
            )
            result.failed += len(failed)
        if recipients:
            _lease(recipients, now + timedelta(seconds=app_settings.CAMPAIGN_LEASE_SECONDS))
    return recipients, result


def _lease(recipients: list[Recipient], until: datetime) -> None:
    """Mark the rows sending until ``until``, count the attempt, store the new token hashes."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS d SET status = %s, lease_until = %s, "  # noqa: S608
                "attempts = d.attempts + 1, token_hash = v.token_hash "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::varchar[]) AS token_hash) v "
                "WHERE d.id = v.id",
                [
                    DeliveryStatus.SENDING,
                    until,
                    [r.pk for r in recipients],
                    [hash_token(r.token) for r in recipients],
                ],
            )
        return
    Delivery.objects.filter(pk__in=[r.pk for r in recipients]).update(
        status=DeliveryStatus.SENDING, lease_until=until, attempts=F("attempts") + 1
    )
    Delivery.objects.bulk_update(
        [Delivery(pk=r.pk, token_hash=hash_token(r.token)) for r in recipients], ["token_hash"]
    )


# --- sending -----------------------------------------------------------------------


def _batch_message(
    mail: CampaignMail, recipients: list[Recipient], tracked: bool, campaign_id: int
):
    slot = app_settings.CAMPAIGN_MERGE_FIELD.format(name=TOKEN_FIELD)
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text.replace(TOKEN_SLOT, slot),
        from_email=mail.from_email,
        to=[r.email for r in recipients],
        reply_to=mail.reply_to,
        headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(mail.html_for(tracked).replace(TOKEN_SLOT, slot), "text/html")
    message.merge_data = {r.email: {TOKEN_FIELD: r.token} for r in recipients}  # type: ignore[attr-defined]
    message.merge_metadata = {  # type: ignore[attr-defined]
        r.email: {DELIVERY_METADATA_KEY: str(r.pk)} for r in recipients
    }
    message.merge_headers = {  # type: ignore[attr-defined]
        r.email: {
            "List-Unsubscribe": mail.headers(r.token)["List-Unsubscribe"],
            "Message-ID": mail.message_id(r.pk),
        }
        for r in recipients
    }
    message.metadata = {"gdpr_mail_campaign": str(campaign_id)}  # type: ignore[attr-defined]
    return message


def recipient_message(mail: CampaignMail, recipient: Recipient, campaign_id: int, conn: Any):
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text.replace(TOKEN_SLOT, recipient.token),
        from_email=mail.from_email,
        to=[recipient.email],
        reply_to=mail.reply_to,
        headers={**mail.headers(recipient.token), "Message-ID": mail.message_id(recipient.pk)},
        connection=conn,
    )
    message.attach_alternative(
        mail.html_for(recipient.tracked).replace(TOKEN_SLOT, recipient.token), "text/html"
    )
    message.metadata = {  # type: ignore[attr-defined]
        DELIVERY_METADATA_KEY: str(recipient.pk),
        "gdpr_mail_campaign": str(campaign_id),
    }
    return message


def _recipient_ids(message: Any) -> dict[str, tuple[str, str]]:
    """``{email: (status, ESP message id)}`` from Anymail's answer (empty without one)."""
    status = getattr(message, "anymail_status", None)
    found = getattr(status, "recipients", None) or {}
    return {
        email: (str(getattr(s, "status", "") or ""), str(getattr(s, "message_id", "") or ""))
        for email, s in found.items()
    }


def _mark_sent(sent: list[tuple[Recipient, str]], refused: list[Recipient], now: datetime) -> None:
    """Right after the ESP answered: the accepted rows sent, the refused failed; one commit."""
    with transaction.atomic():
        if sent:
            ids = {message_id for _, message_id in sent}
            if len(ids) == 1:
                Delivery.objects.filter(pk__in=[r.pk for r, _ in sent]).update(
                    status=DeliveryStatus.SENT,
                    sent_at=now,
                    message_id=next(iter(ids))[:255],
                    lease_until=None,
                )
            elif connection.vendor == "postgresql":
                table = connection.ops.quote_name(Delivery._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} AS d SET status = %s, sent_at = %s, "  # noqa: S608
                        "lease_until = NULL, message_id = v.message_id "
                        "FROM (SELECT unnest(%s::bigint[]) AS id, "
                        "unnest(%s::varchar[]) AS message_id) v WHERE d.id = v.id",
                        [
                            DeliveryStatus.SENT,
                            now,
                            [r.pk for r, _ in sent],
                            [m[:255] for _, m in sent],
                        ],
                    )
            else:
                Delivery.objects.bulk_update(
                    [
                        Delivery(
                            pk=r.pk,
                            status=DeliveryStatus.SENT,
                            sent_at=now,
                            message_id=m[:255],
                            lease_until=None,
                        )
                        for r, m in sent
                    ],
                    ["status", "sent_at", "message_id", "lease_until"],
                )
        if refused:
            Delivery.objects.filter(pk__in=[r.pk for r in refused]).update(
                status=DeliveryStatus.FAILED, skip_reason=RECIPIENT_REFUSED, lease_until=None
            )


def _give_up_or_release(
    recipients: Iterable[Recipient], exc: Exception, result: BatchResult
) -> None:
    pks = [r.pk for r in recipients]
    if _esp_error_is_permanent(exc):
        Delivery.objects.filter(pk__in=pks).update(
            status=DeliveryStatus.FAILED, skip_reason=_error_reason(exc), lease_until=None
        )
        result.failed += len(pks)
        logger.error(
            "Campaign batch refused by the ESP (%s); %s rows failed.", _error_reason(exc), len(pks)
        )
        return
    Delivery.objects.filter(pk__in=pks).update(status=DeliveryStatus.QUEUED, lease_until=None)
    result.released += len(pks)
    result.error = exc
    logger.warning("Campaign batch: %s; %s rows queued again.", _error_reason(exc), len(pks))


def _send_batched(
    mail: CampaignMail, recipients: list[Recipient], campaign_id: int, result: BatchResult
) -> None:
    from ..mail import get_adapter  # noqa: PLC0415 - the adapter module imports models lazily

    adapter = get_adapter()
    for tracked in (False, True):
        group = [r for r in recipients if r.tracked == tracked]
        if not group:
            continue
        message = _batch_message(mail, group, tracked, campaign_id)
        try:
            adapter.send(message)
        except TRANSIENT_ERRORS as exc:
            _give_up_or_release(group, exc, result)
            continue
        answers = _recipient_ids(message)
        sent: list[tuple[Recipient, str]] = []
        refused: list[Recipient] = []
        for r in group:
            status, message_id = answers.get(r.email, ("sent", ""))
            if status in REFUSED_STATUSES:
                refused.append(r)
            else:
                sent.append((r, message_id or mail.message_id(r.pk)))
        _mark_sent(sent, refused, timezone.now())
        result.sent += len(sent)
        result.failed += len(refused)


def _send_one_by_one(
    mail: CampaignMail, recipients: list[Recipient], campaign_id: int, result: BatchResult
) -> None:
    from ..mail import get_adapter  # noqa: PLC0415

    adapter = get_adapter()
    conn = get_connection()
    conn.open()
    try:
        for index, recipient in enumerate(recipients):
            message = recipient_message(mail, recipient, campaign_id, conn)
            try:
                message_id = adapter.send(message)
            except TRANSIENT_ERRORS as exc:
                if _esp_error_is_permanent(exc):
                    _give_up_or_release([recipient], exc, result)
                    continue
                _give_up_or_release(recipients[index:], exc, result)
                return
            status = _recipient_ids(message).get(recipient.email, ("sent", ""))[0]
            if status in REFUSED_STATUSES:
                _mark_sent([], [recipient], timezone.now())
                result.failed += 1
            else:
                _mark_sent(
                    [(recipient, message_id or mail.message_id(recipient.pk))], [], timezone.now()
                )
                result.sent += 1
    finally:
        conn.close()


def send_batch(
    campaign: Campaign,
    mail: CampaignMail | None = None,
    *,
    size: int | None = None,
    after: int = 0,
) -> BatchResult:
    """Claim one batch of ``campaign`` (rows past ``after`` unless a lease ran out) and
    send it; ``claimed`` is False when none was left."""
    recipients, result = claim(campaign, size or batch_size(), after=after)
    if not recipients:
        return result
    mail = mail or compose(campaign)
    wait_for_rate(len(recipients))
    if sends_batches():
        _send_batched(mail, recipients, campaign.pk, result)
    else:
        _send_one_by_one(mail, recipients, campaign.pk, result)
    return result


def send_all(campaign: Campaign, mail: CampaignMail | None = None) -> BatchResult:
    """Send batches until none is left or an ESP error stops this worker (``error``);
    what a send task and ``gdpr_mail_campaign --in-process`` run. Returns the totals."""
    mail = mail or compose(campaign)
    total, after = BatchResult(), 0
    while True:
        result = send_batch(campaign, mail, after=after)
        if not result.claimed:
            if after == 0:
                break
            after = 0  # once more from the start: rows handed back by other workers
            continue
        after = result.last_id
        total.claimed = True
        total.sent += result.sent
        total.failed += result.failed
        total.skipped += result.skipped
        if result.error is not None:
            total.error = result.error
            break
    return total


# --- the campaign as a whole ---------------------------------------------------------


def busy_elsewhere(campaign: Campaign, now: datetime | None = None) -> datetime | None:
    """The earliest lease of rows other workers are sending now (None: none)."""
    now = now or timezone.now()
    leases = Delivery.objects.filter(
        campaign=campaign, status=DeliveryStatus.SENDING, lease_until__gte=now
    ).order_by("lease_until")
    return leases.values_list("lease_until", flat=True).first()


def finish_if_done(campaign: Campaign) -> bool:
    """Mark a sending campaign sent when no row is left to send (once, whoever is last)."""
    with write_transaction():
        if Delivery.objects.filter(
            campaign=campaign, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
        ).exists():
            return False
        return bool(
            Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
                status=CampaignStatus.SENT, finished_at=timezone.now()
            )
        )

"""ESP events of campaign mail: onto the delivery row, and from there into the statistics.

:mod:`wagtail_gdpr_mail.receivers` (the one receiver of Anymail's ``tracking`` signal)
hands every event here first. The event finds its delivery row by the metadata every
campaign message carries (``gdpr_mail_delivery``), else by the ESP's message id. The
row keeps the last event and the first time of each milestone (delivered, bounced,
complained, unsubscribed, opened, clicked); the campaign's counts are computed from
the rows (:func:`wagtail_gdpr_mail.models.campaigns.delivery_event_counts`), so they
survive the erasure of a contact.

Opens and clicks are recorded only for a tracked delivery whose contact still holds
the tracking purpose (:mod:`.tracking`); for everyone else an ESP's open or click
event is dropped: they are counted only in aggregate (delivered, bounced).

An unsubscribe at the ESP (its own link or a list-unsubscribe it handled) ends the
campaign's purpose like the app's unsubscribe link: revoked when the campaign allows
it, else an objection; a complaint ends it as a complaint. Both go through
:func:`.unsubscribe.end_campaign_purpose`, the link's own path to the one writer. Suppressing a hard
bounce or a complaint stays with the receiver, for every kind of mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Delivery
from ..models.campaigns import DELIVERY_METADATA_KEY
from .tracking import still_tracked

#: Anymail's event -> the delivery field its first occurrence sets.
FIRST_SEEN = {
    EventType.DELIVERED: "delivered_at",
    EventType.BOUNCED: "bounced_at",
    EventType.REJECTED: "bounced_at",
    EventType.COMPLAINED: "complained_at",
    EventType.UNSUBSCRIBED: "unsubscribed_at",
    EventType.OPENED: "opened_at",
    EventType.CLICKED: "clicked_at",
}
#: The events a delivery row records (others, e.g. "inbound" or "unknown", are ignored).
RECORDED = {EventType.QUEUED, EventType.SENT, EventType.DEFERRED, *FIRST_SEEN}
#: Longer "ids" in metadata are not ours (and would overflow the database's integers).
MAX_ID_DIGITS = 18
#: Events about a person's reading: kept only for tracked recipients.
READING = {EventType.OPENED, EventType.CLICKED}


def find_delivery(event: AnymailTrackingEvent) -> Delivery | None:
    """The delivery an ESP event is about: by its metadata, else by the message id."""
    rows = Delivery.objects.select_related("campaign__purpose", "contact")
    pk = str((event.metadata or {}).get(DELIVERY_METADATA_KEY, "")).strip()
    if pk.isdigit() and len(pk) <= MAX_ID_DIGITS:
        return rows.filter(pk=int(pk)).first()
    if event.message_id:
        # Not indexed: only events that lost their metadata come this way.
        return rows.filter(message_id=str(event.message_id)).first()
    return None


def record_event(event: AnymailTrackingEvent) -> Delivery | None:
    """Put ``event`` on its delivery row; returns the row (None: not a campaign mail).

    Each milestone keeps its first time (a repeated webhook changes nothing); the
    row's ``last_event`` is the latest by the ESP's timestamp, whatever order the
    webhooks arrive in.
    """
    if event.event_type not in RECORDED:
        return None
    delivery = find_delivery(event)
    if delivery is None:
        return None
    if event.event_type in READING and not still_tracked(delivery):
        return delivery
    when = _when(event)
    # One UPDATE: the last event only if this one is not older, each milestone only
    # if it has no time yet (two webhooks at once cannot overwrite each other's).
    latest = Q(last_event_at__isnull=True) | Q(last_event_at__lte=when)
    changes: dict[str, Any] = {
        "last_event": Case(When(latest, then=Value(event.event_type)), default=F("last_event")),
        "last_event_at": Case(When(latest, then=Value(when)), default=F("last_event_at")),
    }
    fields = [FIRST_SEEN.get(event.event_type)]
    if event.event_type == EventType.CLICKED:
        fields.append("opened_at")  # clicking means it was opened
    for field in filter(None, fields):
        changes[field] = Coalesce(F(field), Value(when))
    Delivery.objects.filter(pk=delivery.pk).update(**changes)
    return delivery


def _when(event: AnymailTrackingEvent) -> datetime:
    when = event.timestamp
    if not isinstance(when, datetime):
        return timezone.now()
    return when if timezone.is_aware(when) else timezone.make_aware(when)

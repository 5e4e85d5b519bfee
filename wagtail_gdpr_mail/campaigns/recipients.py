"""Who gets a campaign: decided when it starts, frozen into one delivery row each.

Recipients = the campaign's target (its lists and segments) ∩ contacts who hold its
purpose validly now ∩ not suppressed ∩ not anonymised ∩ not already a recipient of it.
:func:`freeze` writes them in one ``INSERT … SELECT`` (no address leaves the database);
each batch is checked again when a worker claims it (:mod:`.sending`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Campaign, Contact, Delivery, DeliveryStatus, ListMembership
from ..models.contacts import ContactQuerySet
from ..segments.rules import segment_contacts
from . import tracking

#: Why a delivery row was skipped (``Delivery.skip_reason``), with labels for the admin.
NO_VALID_PURPOSE = "no_valid_purpose"
SUPPRESSED = "suppressed"
ERASED = "erased"
CANCELLED = "cancelled"
#: A freeze that adds this many rows refreshes the planner's statistics of the table.
ANALYZE_AFTER_ROWS = 10_000
SKIP_REASONS = {
    NO_VALID_PURPOSE: _("No longer holds the purpose"),
    SUPPRESSED: _("Address suppressed"),
    ERASED: _("Contact erased"),
    CANCELLED: _("Campaign cancelled"),
}


def target_contacts(campaign: Campaign, *, now: datetime | None = None) -> ContactQuerySet:
    """Everyone in the campaign's lists (current members) or segments."""
    now = now or timezone.now()
    lists = list(campaign.target_lists.values_list("pk", flat=True))
    condition = Q(pk__in=[])
    if lists:
        members = ListMembership.objects.current().filter(
            contact=OuterRef("pk"), contact_list__in=lists
        )
        condition |= Q(Exists(members))
    for segment in campaign.target_segments.all():
        condition |= Q(pk__in=segment_contacts(segment, now=now).values("pk"))
    return Contact.objects.filter(condition)


def already_recipients(campaign: Campaign) -> Exists:
    return Exists(Delivery.objects.filter(campaign=campaign, contact=OuterRef("pk")))


def recipients(campaign: Campaign, *, now: datetime | None = None) -> ContactQuerySet:
    """The contacts who would get the campaign if it started at ``now``."""
    now = now or timezone.now()
    return (
        target_contacts(campaign, now=now)
        .not_anonymised()
        .with_valid_purpose(campaign.purpose, now)
        .not_suppressed()
        .exclude(already_recipients(campaign))
    )


@dataclass(frozen=True)
class RecipientCount:
    """What a dry run reports: who would get the campaign, and why the others would not."""

    target: int
    recipients: int
    no_valid_purpose: int
    suppressed: int
    anonymised: int
    already_recipients: int


def count(campaign: Campaign, *, now: datetime | None = None) -> RecipientCount:
    """Count recipients and exclusions (an excluded contact counts under its first reason)."""
    now = now or timezone.now()
    target = target_contacts(campaign, now=now)
    live = target.not_anonymised()
    holding = live.with_valid_purpose(campaign.purpose, now)
    unsuppressed = holding.not_suppressed()
    return RecipientCount(
        target=target.count(),
        recipients=recipients(campaign, now=now).count(),
        anonymised=target.exclude(anonymised_at__isnull=True).count(),
        no_valid_purpose=live.without_valid_purpose(campaign.purpose, now).count(),
        suppressed=holding.suppressed().count(),
        already_recipients=unsuppressed.filter(already_recipients(campaign)).count(),
    )


def freeze(campaign: Campaign, *, now: datetime | None = None) -> int:
    """Write one queued delivery row per recipient; returns how many were added.

    One statement: the recipients' ids go from the SELECT straight into the INSERT.
    Runs again safely (a resumed or restarted campaign): contacts who already have a
    row are not recipients.
    """
    now = now or timezone.now()
    select_sql, params = (
        recipients(campaign, now=now)
        .order_by()
        .annotate(recipient_pk=F("pk"))
        .values("recipient_pk")
        .query.sql_with_params()
    )
    table = Delivery._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(c)
        for c in (
            "campaign_id",
            "contact_id",
            "tracked",
            "status",
            "skip_reason",
            "attempts",
            "message_id",
            "last_event",
        )
    )
    sql = (
        f"INSERT INTO {quote(table)} ({columns}) "  # noqa: S608 - names quoted, values bound
        f"SELECT %s, recipient.recipient_pk, %s, %s, '', 0, '', '' FROM ({select_sql}) AS recipient"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, False, DeliveryStatus.QUEUED, *params])
        added = cursor.rowcount
        if connection.vendor == "postgresql" and added >= ANALYZE_AFTER_ROWS:
            # Fresh statistics for the claims that follow (autovacuum may come later).
            cursor.execute(f"ANALYZE {quote(table)}")
        _mark_tracked(campaign)
    return max(added, 0)


def _mark_tracked(campaign: Campaign) -> None:
    """Flag the rows of recipients who hold the site's tracking purpose (ePrivacy)."""
    queued = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.QUEUED)
    ids = list(queued.values_list("contact_id", flat=True))
    tracked = tracking.tracked_contact_ids(campaign, ids)
    if tracked:
        queued.filter(contact_id__in=sorted(tracked)).update(tracked=True)

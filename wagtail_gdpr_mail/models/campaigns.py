"""Campaigns: a mailing for one purpose, and its delivery rows (one per recipient).

The delivery rows are the campaign's outbox: frozen when the campaign starts, claimed
in batches by the workers that send them (:mod:`wagtail_gdpr_mail.campaigns.sending`).
Erasing a contact sets ``Delivery.contact`` to NULL: the rows and the campaign's
counts survive, the link to the person does not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from wagtail.fields import StreamField
from wagtail.models import PreviewableMixin, RevisionMixin

from ..campaigns.blocks import body_blocks
from ..tokens import lookup_hash
from .contacts import Contact, ContactList
from .legal import ControllerSettings
from .purposes import ProcessingPurpose
from .segments import Segment

#: The key of the Anymail metadata (``merge_metadata`` in a batch) naming the delivery row.
DELIVERY_METADATA_KEY = "gdpr_mail_delivery"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(RevisionMixin, PreviewableMixin, models.Model):
    """A mailing sent for one purpose to the contacts who hold it validly at send time."""

    Status = CampaignStatus

    name = models.CharField(_("name"), max_length=255, unique=True)
    subject = models.CharField(_("subject"), max_length=255)
    preheader = models.CharField(
        _("preheader"),
        max_length=255,
        blank=True,
        help_text=_("The short text mail programs show after the subject."),
    )
    body = StreamField(body_blocks(), verbose_name=_("body"), blank=True)
    from_email = models.EmailField(
        _("sender address"), blank=True, help_text=_("Empty = the site's default sender.")
    )
    from_name = models.CharField(_("sender name"), max_length=255, blank=True)
    purpose = models.ForeignKey(
        ProcessingPurpose,
        verbose_name=_("purpose"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("Only contacts who hold this purpose validly when the campaign starts get it."),
    )
    target_lists = models.ManyToManyField(
        ContactList, verbose_name=_("lists"), blank=True, related_name="campaigns"
    )
    target_segments = models.ManyToManyField(
        Segment, verbose_name=_("segments"), blank=True, related_name="campaigns"
    )
    unsubscribe_revokes_purpose = models.BooleanField(
        _("unsubscribe link revokes the purpose"),
        default=True,
        help_text=_(
            "Otherwise the unsubscribe link records an objection. Defaults to what the "
            "purpose allows."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CampaignStatus.choices,
        default=CampaignStatus.DRAFT,
        db_index=True,
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-pk"]
        permissions = [("send_campaign", _("Can send, pause, resume and cancel campaigns"))]

    def __str__(self) -> str:
        return self.name

    @property
    def revokes_on_unsubscribe(self) -> bool:
        """Whether the unsubscribe link withdraws the purpose (the purpose must allow it)."""
        return self.unsubscribe_revokes_purpose and self.purpose.revocable_by_unsubscribe

    @property
    def is_editable(self) -> bool:
        return self.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)

    def statistics(self) -> dict[str, Any]:
        """Deliveries by status, and the reasons of skipped and failed ones."""
        counts = dict(
            self.deliveries.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        by_status = {status: counts.get(status, 0) for status in DeliveryStatus.values}
        reasons = (
            self.deliveries.filter(status__in=[DeliveryStatus.SKIPPED, DeliveryStatus.FAILED])
            .values("status", "skip_reason")
            .annotate(n=Count("pk"))
            .order_by("status", "-n")
        )
        total = sum(by_status.values())
        done = total - by_status[DeliveryStatus.QUEUED] - by_status[DeliveryStatus.SENDING]
        return {
            **by_status,
            "total": total,
            "done": done,
            "percent": int(100 * done / total) if total else 0,
            "reasons": [(r["status"], r["skip_reason"], r["n"]) for r in reasons],
            "events": delivery_event_counts(self.deliveries.all()),
        }

    def get_preview_template(self, request, mode_name):
        return "wagtail_gdpr_mail/campaigns/preview.html"

    def get_preview_context(self, request, mode_name):
        """The mail as a recipient sees it, with links that lead nowhere."""
        context = super().get_preview_context(request, mode_name)
        context.update(
            campaign=self,
            subject=self.subject,
            preheader=self.preheader,
            controller=ControllerSettings.for_request(request),
            unsubscribe_url="#unsubscribe",
            preferences_url="#preferences",
        )
        return context


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Delivery(models.Model):
    """One recipient of one campaign, frozen when the campaign starts; its outbox row."""

    Status = DeliveryStatus

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey(
        Contact,
        null=True,
        on_delete=models.SET_NULL,
        related_name="campaign_deliveries",
        db_index=False,
    )
    #: The hash of the recipient's token (unsubscribe, preferences, tracking links).
    token_hash = models.CharField(max_length=64, unique=True, null=True)
    #: The recipient held the site's tracking purpose when the recipients were frozen.
    tracked = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    #: Why the row was skipped or failed (a short code or the ESP's error class).
    skip_reason = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    #: While ``sending``: the time after which another worker may take the row over.
    lease_until = models.DateTimeField(null=True)
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True)
    last_event = models.CharField(max_length=32, blank=True)
    last_event_at = models.DateTimeField(null=True)
    delivered_at = models.DateTimeField(null=True)
    opened_at = models.DateTimeField(null=True)
    clicked_at = models.DateTimeField(null=True)
    bounced_at = models.DateTimeField(null=True)
    complained_at = models.DateTimeField(null=True)
    unsubscribed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("campaign delivery")
        verbose_name_plural = _("campaign deliveries")
        constraints = [
            # Leads with the contact: it also serves erasure (SET_NULL) and a contact's rows.
            models.UniqueConstraint(
                fields=["contact", "campaign"],
                condition=Q(contact__isnull=False),
                name="gdpr_mail_delivery_once_per_contact",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="gdpr_mail_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.pk}"

    @classmethod
    def find_by_token(cls, token: str | None) -> Delivery | None:
        token_hash = lookup_hash(token)
        if token_hash is None:
            return None
        return (
            cls.objects.select_related("campaign", "campaign__purpose", "contact")
            .filter(token_hash=token_hash)
            .first()
        )


#: The milestones of a delivery that ESP events (and the pixel and click links) set.
EVENT_FIELDS = {
    "delivered": "delivered_at",
    "bounced": "bounced_at",
    "complained": "complained_at",
    "unsubscribed": "unsubscribed_at",
    "opened": "opened_at",
    "clicked": "clicked_at",
}
#: Counted per group, but opens and clicks only in the tracked one (nothing else is kept).
AGGREGATE_EVENTS = ("delivered", "bounced", "complained", "unsubscribed")


def delivery_event_counts(deliveries: models.QuerySet) -> dict[str, Any]:
    """Event counts of ``deliveries`` (one campaign's rows), in one query: for all, and
    for the tracked and the untracked group. Rows whose contact was erased still count."""
    aggregates: dict[str, Any] = {
        "n_total": Count("pk"),
        "n_tracked": Count("pk", filter=Q(tracked=True)),
    }
    for name, field in EVENT_FIELDS.items():
        aggregates[f"n_{name}"] = Count("pk", filter=Q(**{f"{field}__isnull": False}))
        aggregates[f"n_tracked_{name}"] = Count(
            "pk", filter=Q(tracked=True, **{f"{field}__isnull": False})
        )
    found = deliveries.aggregate(**aggregates)
    tracked = {name: found[f"n_tracked_{name}"] for name in EVENT_FIELDS}
    untracked = {name: found[f"n_{name}"] - tracked[name] for name in AGGREGATE_EVENTS}
    return {
        **{name: found[f"n_{name}"] for name in EVENT_FIELDS},
        "tracked": {"recipients": found["n_tracked"], **tracked},
        "untracked": {"recipients": found["n_total"] - found["n_tracked"], **untracked},
    }

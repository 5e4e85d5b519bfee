"""The breach register (GDPR Art. 33(5)): every personal data breach, its facts, effects
and the remedial action taken, whether or not it had to be notified.

A snippet with revisions, so the register shows how an entry grew while the facts
came in. The contacts a breach affected are a segment (``affected_segment``), usable
wherever a segment is: a listing filter, a bulk action, a campaign's target.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import RevisionMixin

from .segments import Segment

#: Art. 33(1): notify the supervisory authority "not later than 72 hours after having
#: become aware of it".
NOTIFICATION_DEADLINE = timedelta(hours=72)


class BreachRisk(models.TextChoices):
    UNLIKELY = "unlikely", _("Unlikely to result in a risk (no notification, Art. 33(1))")
    RISK = "risk", _("A risk to people's rights and freedoms (notify the authority)")
    HIGH = "high", _("A high risk (notify the authority and tell the people, Art. 34)")


class BreachQuerySet(models.QuerySet):
    def awaiting_notification(self) -> BreachQuerySet:
        """Breaches the authority must hear of and has not yet: the 72-hour clock runs."""
        return self.filter(authority_notified=False).exclude(risk=BreachRisk.UNLIKELY)


class Breach(RevisionMixin, models.Model):
    title = models.CharField(
        _("title"),
        max_length=255,
        help_text=_("A short name for the register, e.g. “Lost laptop of the sales team”."),
    )
    discovered_at = models.DateTimeField(
        _("found at"),
        default=timezone.now,
        help_text=_("When you became aware of the breach: the 72 hours run from here."),
    )
    occurred_from = models.DateTimeField(_("happened from"), null=True, blank=True)
    occurred_until = models.DateTimeField(_("happened until"), null=True, blank=True)
    description = models.TextField(
        _("what happened"), help_text=_("The nature of the breach (Art. 33(3)(a)).")
    )
    data_categories = models.TextField(
        _("categories of personal data"),
        blank=True,
        help_text=_("E.g. e-mail addresses, names, consent history."),
    )
    subject_categories = models.TextField(
        _("categories of people"), blank=True, help_text=_("E.g. newsletter subscribers.")
    )
    approx_subjects = models.PositiveIntegerField(
        _("approximate number of people"), null=True, blank=True
    )
    approx_records = models.PositiveIntegerField(
        _("approximate number of records"), null=True, blank=True
    )
    affected_segment = models.ForeignKey(
        Segment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("affected contacts"),
        help_text=_(
            "A segment of the contacts the breach affected; make it static and take a "
            "snapshot to keep who they were. It can be the target of a campaign that tells them."
        ),
    )
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures = models.TextField(
        _("measures taken or proposed"),
        blank=True,
        help_text=_("To address the breach and to mitigate its possible adverse effects."),
    )
    risk = models.CharField(
        _("risk to people"), max_length=8, choices=BreachRisk.choices, default=BreachRisk.RISK
    )
    authority_notified = models.BooleanField(_("supervisory authority notified"), default=False)
    authority_notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    authority_reference = models.CharField(_("authority's reference"), max_length=255, blank=True)
    delay_reasons = models.TextField(
        _("reasons for the delay"),
        blank=True,
        help_text=_("Required when the authority was notified later than 72 hours (Art. 33(1))."),
    )
    subjects_informed = models.BooleanField(_("people told (Art. 34)"), default=False)
    subjects_informed_at = models.DateTimeField(_("told at"), null=True, blank=True)
    subjects_informed_how = models.TextField(
        _("how the people were told"),
        blank=True,
        help_text=_("E.g. an e-mail campaign to the affected segment, a notice on the website."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        ordering = ["-discovered_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def notification_deadline(self) -> datetime:
        return self.discovered_at + NOTIFICATION_DEADLINE

    def time_left(self, now: datetime | None = None) -> timedelta:
        """Until the 72 hours are over (negative once they are)."""
        return self.notification_deadline - (now or timezone.now())

    @property
    def notified_late(self) -> bool:
        return bool(
            self.authority_notified_at and self.authority_notified_at > self.notification_deadline
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.authority_notified and not self.authority_notified_at:
            errors["authority_notified_at"] = gettext("Say when the authority was notified.")
        if self.authority_notified_at and not self.authority_notified:
            errors["authority_notified"] = gettext("Tick this when the authority was notified.")
        if self.subjects_informed and not self.subjects_informed_at:
            errors["subjects_informed_at"] = gettext("Say when the people were told.")
        if self.subjects_informed and not self.subjects_informed_how.strip():
            errors["subjects_informed_how"] = gettext("Say how the people were told.")
        for field in ("authority_notified_at", "subjects_informed_at"):
            value = getattr(self, field)
            if value and self.discovered_at and value < self.discovered_at:
                errors[field] = gettext("This cannot be before the breach was found.")
        if self.occurred_from and self.occurred_until and self.occurred_until < self.occurred_from:
            errors["occurred_until"] = gettext("The end cannot be before the start.")
        if self.discovered_at and self.notified_late and not self.delay_reasons.strip():
            errors["delay_reasons"] = gettext(
                "The authority was notified later than 72 hours after the breach was found: "
                "give the reasons for the delay (Art. 33(1))."
            )
        if errors:
            raise ValidationError(errors)

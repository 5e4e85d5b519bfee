"""What only the record of processing activities (GDPR Art. 30) needs.

- :class:`RecordSettings` — joint controllers and how long proof of consent is kept
  (a site setting, beside the controller details).
- :class:`Recipient` — recipients that are not processors (e.g. authorities, auditors,
  other controllers), Art. 30(1)(d); processors are :class:`Subprocessor` rows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from ..legal.countries import country_choices, country_name
from .purposes import ProcessingPurpose


@register_setting(icon="clipboard-list")
class RecordSettings(BaseSiteSetting):
    """Details of the record of processing activities beyond the controller's own."""

    joint_controllers = models.TextField(
        _("joint controllers"),
        blank=True,
        help_text=_(
            "Controllers who decide the purposes and means together with you (Art. 26 GDPR): "
            "name and contact details of each, one per line. The representative is entered "
            "in the controller settings."
        ),
    )
    proof_retention = models.TextField(
        _("time limit for erasure of proof of consent"),
        blank=True,
        help_text=_(
            "How long consent records are kept after the consent ends, to prove it was "
            "given (Art. 7(1) GDPR). Empty = “As long as the contact exists; anonymisation "
            "or deletion of the contact wipes it”."
        ),
    )

    panels = [FieldPanel("joint_controllers"), FieldPanel("proof_retention")]

    class Meta:
        verbose_name = _("record of processing")
        verbose_name_plural = _("record of processing")


class Recipient(models.Model):
    """Someone other than a processor to whom personal data is or may be disclosed."""

    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("Public authority")
        CONTROLLER = "controller", _("Another controller")
        ADVISER = "adviser", _("Auditor or adviser")
        OTHER = "other", _("Other recipient")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.AUTHORITY)
    reason = models.TextField(
        _("why they receive data"),
        blank=True,
        help_text=_("E.g. “on request, where the law obliges us”."),
    )
    country = models.CharField(
        _("country"), max_length=2, choices=country_choices, blank=True, default=""
    )
    purposes = models.ManyToManyField(
        ProcessingPurpose,
        verbose_name=_("purposes"),
        blank=True,
        related_name="recipients",
        help_text=_("The purposes whose data they receive. None = all purposes."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("reason"),
        FieldPanel("country"),
        FieldPanel("purposes"),
    ]

    class Meta:
        verbose_name = _("other recipient")
        verbose_name_plural = _("other recipients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def country_name(self) -> str:
        return country_name(self.country) if self.country else ""

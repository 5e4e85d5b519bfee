"""Storage limitation (GDPR Art. 5(1)(e)): one row per run that looked for contacts due
for erasure, with its counts. Never personal data: the audit entry of a run names it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class StorageLimitationRun(models.Model):
    """A run of the storage limitation: an editor's bulk erasure from the report, or the
    daily job (which only counts unless the site turned automatic erasure on)."""

    class Trigger(models.TextChoices):
        EDITOR = "editor", _("An editor, from the report")
        SCHEDULE = "schedule", _("The daily job")

    trigger = models.CharField(_("started by"), max_length=16, choices=Trigger.choices)
    #: ``"anonymise"`` or ``"delete"``; empty when the run only counted.
    mode = models.CharField(_("erasure"), max_length=16, blank=True)
    grace_days = models.PositiveIntegerField(_("grace period (days)"))
    due = models.PositiveIntegerField(_("due for erasure"), default=0)
    erased = models.PositiveIntegerField(_("erased"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("storage limitation run")
        verbose_name_plural = _("storage limitation runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return gettext("Storage limitation run #%(pk)s") % {"pk": self.pk}

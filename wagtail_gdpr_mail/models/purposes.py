"""Why personal data is processed: legal bases (GDPR Art. 6(1)) and processing purposes."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Revision, RevisionMixin
from wagtail.search import index

#: The {pk: code} map of legal bases in the shared cache; every save or delete of a
#: legal basis drops it, and it lives at most five minutes (queryset updates).
LEGAL_BASIS_CODES_KEY = "wagtail_gdpr_mail:legal-basis-codes"
LEGAL_BASIS_CODES_SECONDS = 300


#: The articles as the data migration seeds them, for the message catalogue: a Czech
#: reader sees "čl. 6 odst. 1 písm. a) GDPR", not "Art. 6(1)(a) GDPR".
SEEDED_ARTICLES = (
    gettext_noop("Art. 6(1)(a) GDPR"),
    gettext_noop("Art. 6(1)(b) GDPR"),
    gettext_noop("Art. 6(1)(c) GDPR"),
    gettext_noop("Art. 6(1)(d) GDPR"),
    gettext_noop("Art. 6(1)(e) GDPR"),
    gettext_noop("Art. 6(1)(f) GDPR"),
)


class LegalBasisManager(models.Manager):
    def codes(self) -> dict[int, str]:
        """Code of every legal basis by pk, from the cache (every subscription snapshots
        its purposes' bases: six rows that hardly ever change)."""
        codes = cache.get(LEGAL_BASIS_CODES_KEY)
        if codes is None:
            codes = dict(self.values_list("pk", "code"))
            cache.set(LEGAL_BASIS_CODES_KEY, codes, LEGAL_BASIS_CODES_SECONDS)
        return codes


class LegalBasis(models.Model):
    """One of the six lawful bases of GDPR Art. 6(1), seeded by a data migration."""

    class Code(models.TextChoices):
        CONSENT = "consent", _("Consent")
        CONTRACT = "contract", _("Performance of a contract")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
        VITAL_INTEREST = "vital_interest", _("Vital interests")
        PUBLIC_TASK = "public_task", _("Public task")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interests")

    code = models.CharField(_("code"), max_length=32, choices=Code.choices, unique=True)
    title = models.CharField(_("title"), max_length=255)
    article = models.CharField(_("article"), max_length=64, help_text=_("E.g. Art. 6(1)(a) GDPR"))
    description = models.TextField(_("description"), blank=True)

    objects = LegalBasisManager()

    panels = [
        FieldPanel("code"),
        FieldPanel("title"),
        FieldPanel("article"),
        FieldPanel("description"),
    ]

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["article"]

    def __str__(self) -> str:
        # The seeded English titles are in the message catalogue, so they show
        # translated; titles an editor typed show as typed.
        return gettext(self.title)

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        cache.delete(LEGAL_BASIS_CODES_KEY)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        result = super().delete(*args, **kwargs)
        cache.delete(LEGAL_BASIS_CODES_KEY)
        return result

    @property
    def article_display(self) -> str:
        """The article in the reader's notation (seeded ones are in the catalogue)."""
        return gettext(self.article) if self.article else ""

    @property
    def requires_consent(self) -> bool:
        return self.code == self.Code.CONSENT

    @property
    def is_legitimate_interest(self) -> bool:
        return self.code == self.Code.LEGITIMATE_INTEREST


class RetentionUnit(models.TextChoices):
    DAYS = "days", _("days")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


def add_period(start: datetime, amount: int, unit: str) -> datetime:
    """``start`` plus ``amount`` calendar days, months or years (month ends clamp).

    Counted on the site's local calendar, so "6 months" from 9:12 ends at 9:12
    local time even when summer time began in between.
    """
    if timezone.is_aware(start):
        start = timezone.localtime(start)
    if unit == RetentionUnit.DAYS:
        return start + timedelta(days=amount)
    months = amount * 12 if unit == RetentionUnit.YEARS else amount
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


class PurposeCategory(models.TextChoices):
    """The purpose categories of the Kantara Consent Receipt v1.1 (its appendix of
    purpose categories), as ``purposeCategory`` of a receipt carries them."""

    CORE_FUNCTION = "Core Function", _("Core function")
    CONTRACTED_SERVICE = "Contracted Service", _("Contracted service")
    DELIVERY = "Delivery", _("Delivery")
    CONTACT_REQUESTED = "Contact Requested", _("Contact requested")
    PERSONALIZED_EXPERIENCE = "Personalized Experience", _("Personalised experience")
    MARKETING = "Marketing", _("Marketing")
    MARKETING_THIRD_PARTIES = "Marketing Third Parties", _("Marketing for third parties")
    SHARING_FOR_DELIVERY = "Sharing for Delivery", _("Sharing for delivery")
    SHARING_FOR_MARKETING = "Sharing for Marketing", _("Sharing for marketing")
    THIRD_PARTY_CORE_FUNCTION = (
        "3rd Party Sharing for Core Function",
        _("Third-party sharing for a core function"),
    )
    THIRD_PARTY_SHARING = "3rd Party Sharing for ...", _("Third-party sharing for another purpose")
    LEGALLY_REQUIRED_RETENTION = (
        "Legally Required Data Retention",
        _("Legally required data retention"),
    )
    REQUIRED_BY_LAW = (
        "Required by Law Enforcement or Government",
        _("Required by law enforcement or government"),
    )
    PROTECTING_HEALTH = "Protecting Your Health", _("Protecting your health")
    PROTECTING_INTERESTS = "Protecting Our Interests", _("Protecting our interests")
    IMPROVE_PERFORMANCE = "Improve Performance", _("Improving performance")


#: Days before expiry that a re-consent mail goes out, unless the purpose says otherwise.
RECONSENT_DAYS_BEFORE = 30


class ProcessingPurposeQuerySet(models.QuerySet):
    def active(self) -> ProcessingPurposeQuerySet:
        return self.filter(is_active=True)

    def version_numbers(self, revision_ids) -> dict[int, int]:
        """``{revision id: per-purpose version}`` for the given revisions of purposes.

        A purpose's version is the 1-based position of the revision among that
        purpose's revisions (oldest first), so a purpose saved once is version 1,
        whatever Wagtail's global revision ids are. The one place that numbers them.
        """
        wanted = {int(pk) for pk in revision_ids if pk}
        if not wanted:
            return {}
        content_type = ContentType.objects.get_for_model(self.model)
        revisions = Revision.objects.filter(base_content_type=content_type)
        object_ids = set(revisions.filter(pk__in=wanted).values_list("object_id", flat=True))
        numbers: dict[int, int] = {}
        counters: dict[str, int] = {}
        for pk, object_id in (
            revisions.filter(object_id__in=object_ids)
            .order_by("created_at", "pk")
            .values_list("pk", "object_id")
        ):
            counters[object_id] = counters.get(object_id, 0) + 1
            if pk in wanted:
                numbers[pk] = counters[object_id]
        return numbers


class ProcessingPurpose(RevisionMixin, index.Indexed, models.Model):
    """A purpose for which contacts' data is processed, with its legal basis and retention.

    Versioned through Wagtail revisions: each consent record points at the
    revision the visitor saw.
    """

    name = models.CharField(_("name"), max_length=255, unique=True)
    legal_basis = models.ForeignKey(
        LegalBasis,
        verbose_name=_("legal basis"),
        on_delete=models.PROTECT,
        related_name="purposes",
    )
    retention_amount = models.PositiveIntegerField(
        _("retention"),
        null=True,
        blank=True,
        help_text=_("How long the data may be processed for this purpose. Empty = no fixed limit."),
    )
    retention_unit = models.CharField(
        _("retention unit"),
        max_length=8,
        choices=RetentionUnit.choices,
        default=RetentionUnit.YEARS,
    )
    visitor_text = models.TextField(
        _("text shown to visitors"),
        help_text=_("What the visitor agrees to, in plain words; shown next to the checkbox."),
    )
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("Other personal data processed for this purpose, beyond the e-mail address."),
    )
    data_subjects = models.TextField(
        _("categories of data subjects"),
        blank=True,
        help_text=_(
            "Whose data is processed for this purpose, for the record of processing "
            "(e.g. “newsletter subscribers”, “customers”). Empty = the default of the "
            "controller settings."
        ),
    )
    revocable_by_unsubscribe = models.BooleanField(
        _("unsubscribe link revokes it"),
        default=True,
        help_text=_("Whether the unsubscribe link in a campaign may withdraw this purpose."),
    )
    purpose_category = models.CharField(
        _("purpose category"),
        max_length=64,
        choices=PurposeCategory.choices,
        default=PurposeCategory.MARKETING,
        help_text=_("The category of the Kantara Consent Receipt v1.1 shown in consent receipts."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "An inactive purpose is no longer offered to forms or assigned; "
            "what was recorded for it is kept."
        ),
    )
    reconsent_enabled = models.BooleanField(
        _("ask for re-consent"),
        default=False,
        help_text=_(
            "Before an assignment of this purpose expires, mail the contact a link that "
            "renews it for another retention period."
        ),
    )
    reconsent_days_before = models.PositiveSmallIntegerField(
        _("days before expiry"),
        default=RECONSENT_DAYS_BEFORE,
        blank=True,  # empty = the default (forms that predate the field send nothing)
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    reconsent_subject = models.CharField(
        _("re-consent mail subject"),
        max_length=255,
        blank=True,
        help_text=_(
            "Empty = the default text. Placeholders: {name}, {purpose}, {valid_until}, "
            "{controller}."
        ),
    )
    reconsent_body = models.TextField(
        _("re-consent mail text"),
        blank=True,
        help_text=_(
            "Empty = the default text. Placeholders: {name}, {purpose}, {valid_until}, "
            "{renew_url}, {controller}. Without {renew_url} the link is added at the end."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProcessingPurposeQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("legal_basis"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("retention_amount"), FieldPanel("retention_unit")])],
            heading=_("Retention"),
        ),
        FieldPanel("visitor_text"),
        FieldPanel("internal_note"),
        FieldPanel("purpose_category"),
        FieldPanel("data_subjects"),
        FieldPanel("revocable_by_unsubscribe"),
        FieldPanel("is_active"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("reconsent_enabled"), FieldPanel("reconsent_days_before")]
                ),
                FieldPanel("reconsent_subject"),
                FieldPanel("reconsent_body"),
            ],
            heading=_("Re-consent"),
        ),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("processing purpose")
        verbose_name_plural = _("processing purposes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.reconsent_days_before is None:
            self.reconsent_days_before = RECONSENT_DAYS_BEFORE
        super().save(*args, **kwargs)

    @property
    def retention_display(self) -> str:
        amount = self.retention_amount
        if amount is None:
            return gettext("no fixed limit")
        if self.retention_unit == RetentionUnit.DAYS:
            text = ngettext("%(count)d day", "%(count)d days", amount)
        elif self.retention_unit == RetentionUnit.MONTHS:
            text = ngettext("%(count)d month", "%(count)d months", amount)
        else:
            text = ngettext("%(count)d year", "%(count)d years", amount)
        return text % {"count": amount}

    def valid_until_from(self, start: datetime) -> datetime | None:
        """When an assignment starting at ``start`` lapses; ``None`` = never."""
        if self.retention_amount is None:
            return None
        return add_period(start, self.retention_amount, self.retention_unit)

    def version_of(self, revision_id: int | None) -> int | None:
        """This purpose's version number of ``revision_id`` (see ``version_numbers``)."""
        if revision_id is None:
            return None
        return type(self).objects.version_numbers([revision_id]).get(revision_id)

    def current_revision(self):  # -> Revision | None
        """The revision describing the purpose as it is now (created if missing)."""
        if self.latest_revision_id is None:
            return self.save_revision(clean=False, log_action=False)
        return self.latest_revision

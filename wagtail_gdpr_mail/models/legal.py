"""Legal paperwork: controller and DPO details, processing agreements, sub-processors.

- :class:`ControllerSettings` — who the controller and the DPO are (a site setting).
- :class:`DataProcessingAgreement` — a contract under GDPR Art. 28(3), versioned
  with Wagtail revisions; :class:`DpaAcceptance` records who accepted which
  version, and when.
- :class:`Subprocessor` — the register of processors the data goes to, with
  where they are and on which safeguard data leaves the EU/EEA.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import RevisionMixin

from ..dates import format_date
from ..legal import transfers
from ..legal.adequacy import Adequacy, adequacy_for, is_in_eea
from ..legal.countries import country_choices, country_name
from ..legal.transfers import TransferSafeguard
from .purposes import ProcessingPurpose

# --- Controller and DPO -------------------------------------------------------------


def page_or_url(page: Any, url: str | None) -> str:
    """The one rule for "link a page or enter a URL" fields: the page's absolute URL while
    it is live and routable, else the URL (forms' and the controller's privacy links)."""
    if page is not None and page.live and (full_url := page.get_full_url()):
        return full_url
    return url or ""


@register_setting(icon="site")
class ControllerSettings(BaseSiteSetting):
    """Who is responsible for the personal data (GDPR Art. 4(7)) and who their DPO is.

    Read it through :func:`wagtail_gdpr_mail.legal.controller.get_controller`.
    """

    controller_name = models.CharField(
        _("name"),
        max_length=255,
        blank=True,
        help_text=_("The company or person who decides why and how personal data is processed."),
    )
    controller_address = models.TextField(_("address"), blank=True)
    controller_company_id = models.CharField(
        _("company ID"), max_length=64, blank=True, help_text=_("E.g. the registration number.")
    )
    controller_email = models.EmailField(_("contact e-mail"), blank=True)
    representative = models.TextField(
        _("representative"),
        blank=True,
        help_text=_(
            "Where applicable: the representative in the EU of a controller established "
            "outside it (Art. 27 GDPR). Joint controllers: the record of processing settings."
        ),
    )
    dpo_name = models.CharField(
        _("DPO name"),
        max_length=255,
        blank=True,
        help_text=_("The data protection officer; leave empty if none is appointed."),
    )
    dpo_email = models.EmailField(_("DPO e-mail"), blank=True)
    dpo_phone = models.CharField(_("DPO phone"), max_length=64, blank=True)
    privacy_policy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy policy page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_policy_url = models.URLField(
        _("privacy policy URL"), blank=True, help_text=_("Used when no page is chosen.")
    )
    data_subject_categories = models.TextField(
        _("categories of data subjects"),
        blank=True,
        help_text=_(
            "Whose data the e-mail marketing concerns, for the record of processing "
            "activities. Empty = “Contacts: people who gave their e-mail address”."
        ),
    )
    security_measures = models.TextField(
        _("technical and organisational security measures"),
        blank=True,
        help_text=_(
            "A general description (Art. 32(1) GDPR) for the record of processing activities."
        ),
    )

    select_related = ["privacy_policy_page"]

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("controller_name"),
                FieldPanel("controller_address"),
                FieldRowPanel(
                    [FieldPanel("controller_company_id"), FieldPanel("controller_email")]
                ),
                FieldPanel("representative"),
            ],
            heading=_("Controller"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("dpo_name"),
                FieldRowPanel([FieldPanel("dpo_email"), FieldPanel("dpo_phone")]),
            ],
            heading=_("Data protection officer"),
        ),
        MultiFieldPanel(
            [FieldPanel("privacy_policy_page"), FieldPanel("privacy_policy_url")],
            heading=_("Privacy policy"),
        ),
        MultiFieldPanel(
            [FieldPanel("data_subject_categories"), FieldPanel("security_measures")],
            heading=_("Record of processing activities"),
        ),
    ]

    class Meta:
        verbose_name = _("controller and DPO")
        verbose_name_plural = _("controller and DPO")

    def __str__(self) -> str:
        return self.controller_name or gettext("Controller and DPO")

    @property
    def has_dpo(self) -> bool:
        return bool(self.dpo_name or self.dpo_email)

    @property
    def privacy_policy_link(self) -> str:
        """The privacy policy's absolute URL: the chosen page while it is live and has a
        URL, else the URL field. Every link to the policy (forms, mails, exports) uses it."""
        return page_or_url(self.privacy_policy_page, self.privacy_policy_url)

    @property
    def controller_display(self) -> str:
        """The controller on one line: name, company ID, address, e-mail."""
        company_id = (
            gettext("company ID %(id)s") % {"id": self.controller_company_id}
            if self.controller_company_id
            else ""
        )
        parts = [
            self.controller_name,
            company_id,
            ", ".join(
                line.strip() for line in self.controller_address.splitlines() if line.strip()
            ),
            self.controller_email,
        ]
        return ", ".join(part for part in parts if part)

    @property
    def dpo_display(self) -> str:
        """The DPO on one line, or a plain statement that none is appointed."""
        if not self.has_dpo:
            return gettext("No data protection officer appointed")
        return ", ".join(p for p in (self.dpo_name, self.dpo_email, self.dpo_phone) if p)

    def as_dict(self) -> dict[str, Any]:
        """Controller and DPO as plain data, for exports, receipts and the ROPA."""
        return {
            "controller": {
                "name": self.controller_name,
                "address": self.controller_address,
                "company_id": self.controller_company_id,
                "email": self.controller_email,
                "representative": self.representative,
                "privacy_policy_url": self.privacy_policy_link,
            },
            "dpo": {
                "appointed": self.has_dpo,
                "name": self.dpo_name,
                "email": self.dpo_email,
                "phone": self.dpo_phone,
            },
        }


# --- Data processing agreements ---------------------------------------------------


class DataProcessingAgreement(RevisionMixin, models.Model):
    """A data processing agreement between the controller and a processor (GDPR Art. 28(3)).

    Every edit is a new version (a Wagtail revision). A version counts as
    accepted when a :class:`DpaAcceptance` holds the SHA-256 hash of exactly its
    content, so an edit that changes the text needs a new acceptance, while the
    earlier acceptances stay on record.
    """

    #: The fields that make up the agreement's text; acceptance hashes their values.
    CONTENT_FIELDS = (
        "title",
        "controller_details",
        "processor_name",
        "processor_details",
        "effective_date",
        "subject_matter",
        "duration",
        "nature_of_processing",
        "purpose_of_processing",
        "personal_data_categories",
        "data_subject_categories",
        "instructions",
        "confidentiality",
        "security_measures",
        "subprocessing",
        "data_subject_rights",
        "controller_assistance",
        "end_of_processing",
        "audits",
        "international_transfers",
        "further_terms",
    )

    title = models.CharField(
        _("title"),
        max_length=255,
        help_text=_("E.g. “Data processing agreement with Example Mail Inc.”"),
    )
    # The parties.
    controller_details = models.TextField(
        _("controller"),
        help_text=_("Name, address and company ID of the controller (you)."),
    )
    processor_name = models.CharField(_("processor"), max_length=255)
    processor_details = models.TextField(
        _("processor details"),
        blank=True,
        help_text=_("Address, company ID and contact of the processor."),
    )
    effective_date = models.DateField(_("effective from"), null=True, blank=True)
    # Art. 28(3), first sentence.
    subject_matter = models.TextField(
        _("subject matter"), help_text=_("What the processor does for you, e.g. sending e-mail.")
    )
    duration = models.TextField(
        _("duration"), help_text=_("How long it lasts, e.g. for the term of the main contract.")
    )
    nature_of_processing = models.TextField(
        _("nature of the processing"),
        help_text=_("E.g. storing, sending, tracking delivery, deleting."),
    )
    purpose_of_processing = models.TextField(_("purpose of the processing"))
    personal_data_categories = models.TextField(
        _("categories of personal data"), help_text=_("E.g. e-mail address, name, IP address.")
    )
    data_subject_categories = models.TextField(
        _("categories of data subjects"), help_text=_("E.g. newsletter subscribers, customers.")
    )
    # Art. 28(3)(a)–(h): the processor's obligations.
    instructions = models.TextField(
        _("documented instructions"), help_text=_("Art. 28(3)(a) GDPR.")
    )
    confidentiality = models.TextField(_("confidentiality"), help_text=_("Art. 28(3)(b) GDPR."))
    security_measures = models.TextField(
        _("security measures"), help_text=_("Art. 28(3)(c) and Art. 32 GDPR.")
    )
    subprocessing = models.TextField(
        _("sub-processors"), help_text=_("Art. 28(3)(d), (2) and (4) GDPR.")
    )
    data_subject_rights = models.TextField(
        _("assistance with data subjects' rights"), help_text=_("Art. 28(3)(e) GDPR.")
    )
    controller_assistance = models.TextField(
        _("assistance with the controller's duties"),
        help_text=_("Art. 28(3)(f) GDPR: security, breach notification, impact assessments."),
    )
    end_of_processing = models.TextField(
        _("deletion or return at the end"), help_text=_("Art. 28(3)(g) GDPR.")
    )
    audits = models.TextField(_("audits and information"), help_text=_("Art. 28(3)(h) GDPR."))
    international_transfers = models.TextField(
        _("transfers outside the EU/EEA"),
        help_text=_("Art. 28(3)(a) and Chapter V GDPR: where the data may go, on which safeguard."),
    )
    further_terms = RichTextField(_("further terms"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("data processing agreement")
        verbose_name_plural = _("data processing agreements")
        ordering = ["title"]
        permissions = [
            ("accept_dataprocessingagreement", "Can accept data processing agreements"),
        ]

    def __str__(self) -> str:
        return self.title

    def content(self) -> dict[str, Any]:
        """The agreement's text as plain data: what a version is and what its hash covers."""
        data = {}
        for name in self.CONTENT_FIELDS:
            value = getattr(self, name)
            data[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return data

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`content`."""
        canonical = json.dumps(
            self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def current_revision(self):  # -> Revision
        """The revision holding the agreement as it is now (created if missing or stale)."""
        revision = self.latest_revision
        if revision is None or revision.as_object().content_hash != self.content_hash:
            revision = self.save_revision(clean=False, log_action=False)
        return revision

    def current_acceptance(self) -> DpaAcceptance | None:
        """The latest acceptance of the text as it is now; ``None`` = not accepted."""
        if self.pk is None:
            return None
        return self.acceptances.filter(content_hash=self.content_hash).first()

    @property
    def is_accepted(self) -> bool:
        return self.current_acceptance() is not None


class DpaAcceptance(models.Model):
    """Evidence that someone accepted one version of a data processing agreement.

    Never edited or deleted by the app: a later version gets a new record and the
    old ones stay. The revision keeps the exact text; the hash proves it.
    """

    agreement = models.ForeignKey(
        DataProcessingAgreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="acceptances",
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64, db_index=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the record still says who it was if the user is deleted.
    accepted_by_name = models.CharField(_("accepted by (name)"), max_length=255)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("acceptance of a data processing agreement")
        verbose_name_plural = _("acceptances of data processing agreements")
        ordering = ["-accepted_at", "-pk"]

    def __str__(self) -> str:
        return gettext("%(agreement)s, version %(revision)s, accepted %(when)s") % {
            "agreement": self.agreement,
            "revision": self.revision_id,
            "when": format_date(self.accepted_at),
        }

    @property
    def is_current(self) -> bool:
        """Whether this acceptance covers the agreement's text as it is now."""
        return self.content_hash == self.agreement.content_hash

    def matches_revision(self) -> bool:
        """Whether the stored revision still hashes to the stored hash (tamper check)."""
        return self.revision.as_object().content_hash == self.content_hash


# --- Sub-processors -----------------------------------------------------------------


class Subprocessor(models.Model):
    """A processor the personal data goes to: an ESP, hosting, an SMS gateway…"""

    name = models.CharField(_("name"), max_length=255)
    service = models.CharField(
        _("service provided"), max_length=255, help_text=_("E.g. sending e-mail, web hosting.")
    )
    data_categories = models.TextField(
        _("categories of personal data"), help_text=_("What data it receives.")
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        choices=country_choices,
        help_text=_("Where the data is processed; if several, the one outside the EU/EEA."),
    )
    transfer_safeguard = models.CharField(
        _("transfer safeguard"),
        max_length=16,
        choices=TransferSafeguard.choices,
        default=TransferSafeguard.NONE_NEEDED,
    )
    within_adequacy_scope = models.BooleanField(
        _("covered by the adequacy decision"),
        default=False,
        help_text=_(
            "For countries whose adequacy decision covers only some recipients: tick if this "
            "one is covered, e.g. certified under the EU-US Data Privacy Framework."
        ),
    )
    safeguard_note = models.TextField(
        _("safeguard details"),
        blank=True,
        help_text=_("Required for “Other”; e.g. the date of the clauses or the certification."),
    )
    purposes = models.ManyToManyField(
        ProcessingPurpose,
        verbose_name=_("purposes"),
        blank=True,
        related_name="+",
        help_text=_("For which purposes it receives data. None chosen = all purposes."),
    )
    agreement = models.ForeignKey(
        DataProcessingAgreement,
        verbose_name=_("data processing agreement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subprocessors",
    )
    agreement_url = models.URLField(
        _("link to its DPA"), blank=True, help_text=_("E.g. the processor's published DPA.")
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("sub-processor")
        verbose_name_plural = _("sub-processors")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def leaves_eea(self) -> bool:
        """Whether the data leaves the EU/EEA (a transfer under GDPR Chapter V)."""
        return not is_in_eea(self.country)

    @property
    def adequacy(self) -> Adequacy:
        return adequacy_for(self.country)

    @property
    def adequacy_applies(self) -> bool:
        """Whether an adequacy decision covers this recipient (full, or partial and in scope)."""
        return transfers.adequacy_applies(self)

    @property
    def transfer_basis(self) -> str:
        """Why the data may go where it goes, in words, for the register and the ROPA."""
        return transfers.transfer_basis(self)

    def transfer_problem(self) -> str | None:
        """What is wrong with the chosen safeguard, or ``None`` when it holds."""
        return transfers.transfer_problem(self)

    def clean(self) -> None:
        super().clean()
        if self.country and (problem := self.transfer_problem()):
            raise ValidationError({"transfer_safeguard": problem})

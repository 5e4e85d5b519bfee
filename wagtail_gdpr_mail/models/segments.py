"""Segments: named rules over contacts, and the snapshots that keep who was in a static one.

The rules are a StreamField of rule blocks (one level of nesting through the
``group`` block); ``segments/rules.py`` turns them into one queryset. The blocks
live here because the field's schema is part of the model (migrations name them).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.snippets.blocks import SnippetChooserBlock

from .contacts import Contact, ContactSource
from .jobs import BackgroundJob

PURPOSE_MODEL = "wagtail_gdpr_mail.ProcessingPurpose"
LIST_MODEL = "wagtail_gdpr_mail.ContactList"


class Match(models.TextChoices):
    ALL = "all", _("All rules (and)")
    ANY = "any", _("Any rule (or)")


def _purpose(required: bool = True) -> SnippetChooserBlock:
    return SnippetChooserBlock(
        PURPOSE_MODEL,
        label=_("Purpose"),
        required=required,
        help_text=None if required else _("Empty = any purpose."),
    )


def _days() -> blocks.IntegerBlock:
    return blocks.IntegerBlock(label=_("Days"), min_value=0, max_value=36500, default=30)


def _list() -> SnippetChooserBlock:
    return SnippetChooserBlock(LIST_MODEL, label=_("List"))


def _date(label) -> blocks.DateBlock:
    return blocks.DateBlock(label=label, required=False)


class NoValidPurposeBlock(blocks.StaticBlock):
    class Meta:
        label = _("Has no valid purpose")
        admin_text = _("Contacts who hold no purpose validly now.")
        icon = "warning"


class PurposeRuleBlock(blocks.StructBlock):
    purpose = _purpose()

    class Meta:
        icon = "tick-inverse"


class PurposeWindowBlock(blocks.StructBlock):
    purpose = _purpose(required=False)
    days = _days()

    class Meta:
        icon = "time"


class ListRuleBlock(blocks.StructBlock):
    contact_list = _list()

    class Meta:
        icon = "list-ul"
        label = _("Member of list")


class JoinedListBlock(blocks.StructBlock):
    contact_list = _list()
    start = _date(_("From (inclusive)"))
    end = _date(_("To (inclusive)"))

    class Meta:
        icon = "date"
        label = _("Joined list between")


class CreatedBetweenBlock(blocks.StructBlock):
    start = _date(_("From (inclusive)"))
    end = _date(_("To (inclusive)"))

    class Meta:
        icon = "date"
        label = _("Created between")


class SourceBlock(blocks.StructBlock):
    source = blocks.ChoiceBlock(choices=ContactSource.choices, label=_("Source"))

    class Meta:
        icon = "site"
        label = _("Source is")


class CustomFieldBlock(blocks.StructBlock):
    key = blocks.CharBlock(label=_("Field"), max_length=100)
    value = blocks.CharBlock(
        label=_("Value"),
        max_length=255,
        help_text=_("Exact match, ignoring case and surrounding spaces."),
    )

    class Meta:
        icon = "form"
        label = _("Custom field equals")


class SuppressedBlock(blocks.StructBlock):
    suppressed = blocks.ChoiceBlock(
        choices=[("yes", _("Is suppressed")), ("no", _("Is not suppressed"))],
        default="yes",
        label=_("Suppression"),
    )

    class Meta:
        icon = "cross"
        label = _("Suppressed address")


def leaf_rule_blocks() -> list[tuple[str, blocks.Block]]:
    """The rules; every one turns into a filter in ``segments/rules.py``."""
    return [
        ("no_valid_purpose", NoValidPurposeBlock()),
        ("has_purpose", PurposeRuleBlock(label=_("Has valid purpose"))),
        ("lacks_purpose", PurposeRuleBlock(label=_("Lacks valid purpose"), icon="cross")),
        ("expires_within", PurposeWindowBlock(label=_("Purpose expires within (days)"))),
        ("expired_within", PurposeWindowBlock(label=_("Purpose expired in the last (days)"))),
        ("in_list", ListRuleBlock()),
        ("joined_list", JoinedListBlock()),
        ("created_between", CreatedBetweenBlock()),
        ("source", SourceBlock()),
        ("custom_field", CustomFieldBlock()),
        ("suppressed", SuppressedBlock()),
    ]


class RuleGroupBlock(blocks.StructBlock):
    """One level of nesting: a group of rules combined with its own all / any."""

    match = blocks.ChoiceBlock(choices=Match.choices, default=Match.ANY, label=_("Match"))
    rules = blocks.StreamBlock(leaf_rule_blocks(), label=_("Rules"))

    class Meta:
        icon = "folder-open-inverse"
        label = _("Group of rules")


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic (evaluated live)")
    STATIC = "static", _("Static (a snapshot taken on demand)")


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=255, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC
    )
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    rules = StreamField(
        [*leaf_rule_blocks(), ("group", RuleGroupBlock())], blank=True, verbose_name=_("rules")
    )
    #: Set on the segments the app ships ("no_valid_purpose", …); they cannot be deleted.
    builtin = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_static(self) -> bool:
        return self.kind == SegmentKind.STATIC

    def latest_snapshot(self) -> SegmentSnapshot | None:
        return self.snapshots.order_by("-taken_at", "-pk").first()


class SegmentSnapshot(models.Model):
    """Who was in a segment, and when: evidence kept for a static segment."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)
    # A plain id, not a foreign key: deleting a user must not rewrite evidence.
    taken_by_id = models.BigIntegerField(_("by user"), null=True)
    size = models.PositiveIntegerField(_("contacts"), default=0)
    contacts = models.ManyToManyField(Contact, through="SegmentSnapshotMember", related_name="+")

    class Meta:
        verbose_name = _("segment snapshot")
        verbose_name_plural = _("segment snapshots")
        ordering = ["-taken_at", "-pk"]

    def __str__(self) -> str:
        return gettext("Snapshot #%(pk)s") % {"pk": self.pk}


class SegmentSnapshotMember(models.Model):
    snapshot = models.ForeignKey(SegmentSnapshot, on_delete=models.CASCADE, related_name="members")
    # An erased (deleted) contact leaves the snapshot; an anonymised one stays.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "contact"], name="gdpr_mail_unique_snapshot_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} ∈ {self.snapshot_id}"


class CustomFieldIndex(models.Model):
    """Keyed hashes of a contact's (custom field, normalised value) pairs, written on
    save, so that "custom field equals" is an SQL equality without plaintext. Like the
    e-mail blind index, it reveals only which contacts share a value."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=96, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "digest"], name="gdpr_mail_unique_custom_field_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.digest[:12]}"


class BulkOperation(BackgroundJob):
    """Assigning or revoking one purpose for many contacts, in resumable batches."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", _("Assign purpose")
        REVOKE = "revoke", _("Revoke purpose")

    class Target(models.TextChoices):
        SEGMENT = "segment", _("Segment")
        LIST = "list", _("List")
        SELECTION = "selection", _("Selected contacts")

    class ValidFrom(models.TextChoices):
        NOW = "now", _("Now")
        JOINED = "joined", _("The day each contact joined the list")
        DATE = "date", _("A chosen date")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("action"), max_length=8, choices=Kind.choices)
    purpose = models.ForeignKey(
        PURPOSE_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("purpose")
    )
    target = models.CharField(_("target"), max_length=10, choices=Target.choices)
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_list = models.ForeignKey(
        LIST_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: The selection's contact ids (ids only, nothing personal).
    selected_ids = models.JSONField(default=list, blank=True)
    valid_from_mode = models.CharField(
        _("valid from"), max_length=8, choices=ValidFrom.choices, default=ValidFrom.NOW
    )
    valid_from_date = models.DateTimeField(_("chosen date"), null=True, blank=True)
    note = models.TextField(_("where the consent came from"), blank=True)
    reason = models.CharField(_("revocation reason"), max_length=16, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("contacts"), default=0)
    done = models.PositiveIntegerField(_("processed"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    #: The last contact id processed: a batch starts after it, so a rerun never doubles.
    cursor = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bulk operation")
        verbose_name_plural = _("bulk operations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return gettext("Bulk operation #%(pk)s") % {"pk": self.pk}

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(100, (100 * self.done) // self.total) if self.total else 0

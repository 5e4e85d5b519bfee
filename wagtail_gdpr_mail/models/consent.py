"""Consent state and its evidence: purpose assignments and the append-only consent log."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..crypto import EncryptedJSONField, row_key_field
from ..exceptions import ConsentRecordError
from .bulk_insert import id_set, insert_rows, upsert_rows
from .chain_hash import (  # noqa: F401 - the chain's hashing, imported from here by older code
    canonical_json,
    chain_keys,
    chain_link,
    encoded_digest,
    evidence_digest,
    head_seal,
    keyed_digest,
)
from .consent_rows import CHAINED_COLUMNS, RECORD_COLUMNS, WRITTEN, NewRecord
from .contacts import Contact, ContactSource
from .purposes import ProcessingPurpose

GENESIS_HASH = "0" * 64

logger = logging.getLogger(__name__)


class PurposeAssignmentQuerySet(models.QuerySet):
    def valid_at(self, when: datetime | None = None) -> PurposeAssignmentQuerySet:
        """Not revoked, started, and not yet lapsed at ``when`` (default: now)."""
        when = when or timezone.now()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=when),
            revoked_at__isnull=True,
            valid_from__lte=when,
        )

    def current(self) -> PurposeAssignmentQuerySet:
        """Not revoked (valid now, lapsed or not yet started): at most one per purpose."""
        return self.filter(revoked_at__isnull=True)

    def revoked(self) -> PurposeAssignmentQuerySet:
        return self.filter(revoked_at__isnull=False)

    def lapsed_without_record(self, when: datetime | None = None) -> PurposeAssignmentQuerySet:
        """Not revoked, lapsed by ``when``, and no "expired" consent record written yet."""
        return self.filter(
            revoked_at__isnull=True,
            expiry_recorded_at__isnull=True,
            valid_until__lte=when or timezone.now(),
        )


class PurposeAssignment(models.Model):
    """A purpose held by a contact, with its validity. Revoked, never deleted."""

    class RevocationReason(models.TextChoices):
        ADMIN = "admin", _("Revoked by an editor")
        WITHDRAWN = "withdrawn", _("Withdrawn by the contact")
        OBJECTION = "objection", _("Objection by the contact (GDPR Art. 21)")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribe link")
        COMPLAINT = "complaint", _("Spam complaint")
        ERASURE = "erasure", _("Erasure")
        API = "api", _("Revoked through the API")

    class EditorReason(models.TextChoices):
        """Why an editor revoked (the record's evidence also keeps the editor's note)."""

        ASKED = "asked", _("The person asked by e-mail or phone")
        OBJECTED = "objected", _("The person objected")
        MISTAKE = "mistake", _("Entered by mistake")
        OTHER = "other", pgettext_lazy("revocation reason", "Other")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="assignments")
    purpose = models.ForeignKey(
        ProcessingPurpose,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("purpose"),
        db_index=False,  # gdpr_mail_assign_validity leads with the purpose
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ContactSource.choices)
    created_at = models.DateTimeField(_("assigned"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("revocation reason"), max_length=16, choices=RevocationReason.choices, blank=True
    )
    editor_reason = models.CharField(
        _("editor's reason"), max_length=16, choices=EditorReason.choices, blank=True
    )
    #: When the "expired" consent record of the current ``valid_until`` was written
    #: (set in the same transaction, so it is written once); a renewal clears it.
    expiry_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PurposeAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("purpose assignment")
        verbose_name_plural = _("purpose assignments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "purpose"],
                condition=Q(revoked_at__isnull=True),
                name="gdpr_mail_one_current_assignment",
            )
        ]
        indexes = [
            models.Index(fields=["purpose", "valid_until"], name="gdpr_mail_assign_validity"),
            # "Does this contact hold a valid purpose?" — the contact filters' EXISTS.
            models.Index(
                fields=["contact", "valid_until", "valid_from"],
                condition=Q(revoked_at__isnull=True),
                name="gdpr_mail_assign_current",
            ),
            # The daily expiry task's "lapsed, not yet recorded" scan.
            models.Index(
                fields=["valid_until"],
                condition=Q(revoked_at__isnull=True, expiry_recorded_at__isnull=True),
                name="gdpr_mail_assign_unrecorded",
            ),
            # The segment rules on one purpose ("has / lacks / expires within"): the
            # contacts of a purpose in a validity range, read from the index alone.
            models.Index(
                fields=["purpose", "valid_until", "valid_from", "contact"],
                condition=Q(revoked_at__isnull=True),
                name="gdpr_mail_assign_purpose_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.contact})"

    def is_valid_at(self, when: datetime | None = None) -> bool:
        when = when or timezone.now()
        return (
            self.revoked_at is None
            and self.valid_from <= when
            and (self.valid_until is None or when < self.valid_until)
        )

    @property
    def is_valid(self) -> bool:
        return self.is_valid_at()

    @property
    def status(self) -> str:
        now = timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.valid_from > now:
            return "pending"
        if self.valid_until is not None and self.valid_until <= now:
            return "expired"
        return "valid"


@lru_cache(maxsize=256)  # a bulk batch repeats the same few moments thousands of times
def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


class ConsentRecordManager(models.Manager):
    def append(
        self,
        *,
        contact: Contact,
        purpose: ProcessingPurpose,
        event: str,
        source: str,
        assignment: PurposeAssignment | None = None,
        actor_user_id: int | None = None,
        evidence: dict[str, Any] | None = None,
        occurred_at: datetime | None = None,
        purpose_revision_id: int | None = None,
    ) -> ConsentRecord:
        """Write the next record of ``contact``'s chain."""
        record = self.model(
            contact=contact,
            assignment=assignment,
            purpose=purpose,
            # The version the person saw (a form's snapshot knows it), else the current one.
            purpose_revision_id=purpose_revision_id or purpose.current_revision().pk,
            event=event,
            source=source,
            occurred_at=occurred_at or timezone.now(),
            actor_user_id=actor_user_id,
            valid_from=assignment.valid_from if assignment else None,
            valid_until=assignment.valid_until if assignment else None,
            evidence=evidence or {},
        )
        return self.append_many([record])[0]

    def append_many(self, records: list[ConsentRecord]) -> list[ConsentRecord]:
        """Chain and insert unsaved ``records`` (any number, any contacts) in bulk: see
        :meth:`append_rows`, which this calls; the records get their primary keys,
        salted evidence, digests and hashes."""
        rows = [
            NewRecord(
                contact_id=r.contact_id,
                purpose_id=r.purpose_id,
                event=r.event,
                source=r.source,
                occurred_at=r.occurred_at,
                assignment_id=r.assignment_id,
                purpose_revision_id=r.purpose_revision_id,
                actor_user_id=r.actor_user_id,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
                evidence=r.evidence,
            )
            for r in records
        ]
        self.append_rows(rows)
        alias = self.db
        for record, row in zip(records, rows, strict=True):
            for name in WRITTEN:
                setattr(record, name, getattr(row, name))
            record._state.adding, record._state.db = False, alias
        return records

    def append_rows(self, rows: list[NewRecord]) -> list[NewRecord]:
        """Chain and insert new records (any number, any contacts) in bulk: the one
        writer of the consent chain.

        Each record's ``evidence`` (a dict) gets a random salt and its digest, and is
        encrypted for its own row (a new row key); records of one contact are linked
        in list order after the contact's last record, with the first chain key, and
        the contact's chain head (record count, last hash, keyed seal) moves on in the
        same transaction. The contacts are locked, so two writers cannot both extend
        the same link; a unique constraint on (contact, previous hash) backs that up.
        """
        if not rows:
            return rows
        key = chain_keys()[0]
        evidence_field = self.model._meta.get_field("evidence")
        chained_values = attrgetter(*CHAINED_COLUMNS)
        contact_ids = sorted({r.contact_id for r in rows})
        with transaction.atomic():
            list(
                Contact.objects.select_for_update()
                .filter(pk__in=id_set(contact_ids, Contact))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            tip = {
                contact_id: (count, head)
                for contact_id, count, head in ConsentChainHead.objects.filter(
                    contact_id__in=id_set(contact_ids, ConsentChainHead)
                ).values_list("contact_id", "record_count", "head_hash")
            }
            self._tip_of_unanchored([c for c in contact_ids if c not in tip], tip)
            values = []
            for row in rows:
                count, previous = tip.get(row.contact_id, (0, GENESIS_HASH))
                row.evidence = {**(row.evidence or {}), "salt": secrets.token_hex(16)}
                encoded = canonical_json(row.evidence)
                row.evidence_digest = encoded_digest(encoded)
                row.previous_hash = previous
                row.chain_key_id = key.id
                row.record_hash = chain_link(previous, chained_content(row), key)
                row.row_key = uuid.uuid4()
                tip[row.contact_id] = (count + 1, row.record_hash)
                values.append(
                    (
                        *chained_values(row),
                        evidence_field.seal(row.evidence, row.row_key, encoded=encoded),
                        row.evidence_digest,
                        row.previous_hash,
                        row.record_hash,
                        key.id,
                    )
                )
            for row, pk in zip(rows, insert_rows(self.model, RECORD_COLUMNS, values), strict=True):
                row.pk = pk
            now = timezone.now()
            upsert_rows(
                ConsentChainHead,
                ["contact_id", "record_count", "head_hash", "key_id", "seal", "updated_at"],
                [
                    (contact_id, count, head, key.id, head_seal(contact_id, count, head, key), now)
                    for contact_id in contact_ids
                    for count, head in [tip[contact_id]]
                ],
                unique_field="contact",
                update_fields=["record_count", "head_hash", "key_id", "seal", "updated_at"],
            )
            return rows

    def _tip_of_unanchored(self, contact_ids: list[int], tip: dict[int, tuple[int, str]]) -> None:
        """Contacts without a chain head: new ones (no records yet), or a head row that
        was removed. The latter is re-anchored at the records found, and said loudly:
        the verifier reports it until then, and a checkpoint still shows a truncation."""
        if not contact_ids:
            return
        for contact_id, record_hash in (
            self.filter(contact_id__in=id_set(contact_ids, self.model))
            .order_by("contact_id", "pk")
            .values_list("contact_id", "record_hash")
        ):
            count = tip.get(contact_id, (0, ""))[0]
            tip[contact_id] = (count + 1, record_hash)
        for contact_id in tip.keys() & set(contact_ids):
            logger.error(
                "The consent chain head of contact #%s was missing; re-anchored at %s records.",
                contact_id,
                tip[contact_id][0],
            )


class ConsentRecord(models.Model):
    """Append-only evidence of one consent event of one contact.

    Personal parts (IP addresses, user agents, the form and mail as shown) sit
    in the encrypted ``evidence``. Each record carries the hash of the contact's
    previous record, so a changed or removed record breaks the chain. The hash
    covers a digest of the evidence (salted, so it reveals nothing), which lets
    the evidence be wiped on anonymisation without breaking the chain.
    """

    class Event(models.TextChoices):
        GIVEN = "given", _("Consent given")
        RENEWED = "renewed", _("Renewed")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        NOTICE_SENT = "notice_sent", _("Notice sent")

    # Not indexed alone: the unique (contact, previous hash) leads with the contact.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="consent_records", db_index=False
    )
    assignment = models.ForeignKey(
        PurposeAssignment, on_delete=models.CASCADE, null=True, related_name="records"
    )
    purpose = models.ForeignKey(ProcessingPurpose, on_delete=models.PROTECT, related_name="+")
    purpose_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.PROTECT, null=True, related_name="+"
    )
    event = models.CharField(_("event"), max_length=16, choices=Event.choices)
    source = models.CharField(_("source"), max_length=16, choices=ContactSource.choices)
    occurred_at = models.DateTimeField(_("when"))
    # A plain id, not a foreign key: deleting a user must not rewrite evidence.
    actor_user_id = models.BigIntegerField(_("by user"), null=True)
    valid_from = models.DateTimeField(_("valid from"), null=True)
    valid_until = models.DateTimeField(_("valid until"), null=True)
    row_key = row_key_field()  # binds the encrypted evidence to this row
    evidence = EncryptedJSONField(_("evidence"), null=True)
    evidence_digest = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64)  # unique: see Meta
    # Which of WAGTAIL_GDPR_MAIL_CHAIN_KEYS linked the record ("" = not keyed).
    chain_key_id = models.CharField(max_length=16, default="")

    objects = ConsentRecordManager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "previous_hash"], name="gdpr_mail_consent_chain"
            ),
            # A constraint, not unique=True: that would add a second (LIKE) index of
            # random hashes, which every insert pays for and no query uses.
            models.UniqueConstraint(fields=["record_hash"], name="gdpr_mail_consent_record_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.purpose_id} · {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ConsentRecordError("Consent records are append-only; write a new record instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ConsentRecordError(
            "Consent records are append-only; they go only with their contact."
        )

    def chained_content(self) -> dict[str, Any]:
        """What the record's hash covers, besides the previous record's hash."""
        return chained_content(self)

    def compute_hash(self) -> str:
        """The link under the record's own chain key (which must be configured)."""
        key = next(k for k in chain_keys() if k.id == self.chain_key_id)
        return chain_link(self.previous_hash, self.chained_content(), key)

    @property
    def actor(self):  # -> User | None
        if self.actor_user_id is None:
            return None
        return get_user_model().objects.filter(pk=self.actor_user_id).first()


def chained_content(record: Any) -> dict[str, Any]:
    """What a record's hash covers, besides the previous record's hash. Takes any object
    with a record's attributes (the data migration passes historical models)."""
    return {
        "contact": record.contact_id,
        "assignment": record.assignment_id,
        "purpose": record.purpose_id,
        "purpose_revision": record.purpose_revision_id,
        "event": record.event,
        "source": record.source,
        "occurred_at": _iso(record.occurred_at),
        "actor": record.actor_user_id,
        "valid_from": _iso(record.valid_from),
        "valid_until": _iso(record.valid_until),
        "evidence_digest": record.evidence_digest,
    }


class ConsentChainHead(models.Model):
    """Where a contact's consent chain ends: its record count and last hash, sealed with
    a chain key. Moved on by the chain writer in the same transaction as the records,
    so deleting the last records (or all of them) no longer leaves a chain that
    verifies."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, primary_key=True, related_name="consent_chain_head"
    )
    record_count = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    seal = models.CharField(max_length=64)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("consent chain head")
        verbose_name_plural = _("consent chain heads")

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.record_count} · {self.head_hash[:12]}"

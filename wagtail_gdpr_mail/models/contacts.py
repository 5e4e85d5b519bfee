"""Who: confirmed contacts (personal fields encrypted) and the lists they belong to."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..crypto import (
    EncryptedJSONField,
    EncryptedTextField,
    UnreadableValueError,
    email_blind_index,
    email_blind_index_candidates,
    row_key_field,
    unreadable_fields,
)
from ..exceptions import SuppressedAddressError
from .suppression import Suppression


class ContactListQuerySet(models.QuerySet):
    def current(self) -> ContactListQuerySet:
        """Lists that are not archived: what choosers and forms offer."""
        return self.filter(archived=False)

    def with_member_count(self) -> ContactListQuerySet:
        """Annotates ``member_count``: current members whose contact is not anonymised."""
        return self.annotate(
            member_count=Count(
                "memberships",
                filter=Q(
                    memberships__left_at__isnull=True,
                    memberships__contact__anonymised_at__isnull=True,
                ),
            )
        )


class ContactList(models.Model):
    name = models.CharField(_("name"), max_length=255, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    archived = models.BooleanField(
        _("archived"),
        default=False,
        help_text=_(
            "An archived list is no longer offered to forms, choosers and filters; "
            "its members and their join dates are kept."
        ),
    )

    objects = ContactListQuerySet.as_manager()

    class Meta:
        verbose_name = _("list")
        verbose_name_plural = _("lists")
        ordering = ["name"]
        permissions = [("manage_members", _("Can add and remove list members"))]

    def __str__(self) -> str:
        return self.name

    def member_count(self) -> int:
        """Current members whose contact is not anonymised: what the admin shows."""
        return self.memberships.current().filter(contact__anonymised_at__isnull=True).count()


class ContactSource(models.TextChoices):
    FORM = "form", _("Subscription form")
    ADMIN = "admin", _("Admin")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    RECONSENT = "reconsent", _("Re-consent")


class ContactQuerySet(models.QuerySet):
    def by_email(self, email: str) -> ContactQuerySet:
        """Exact match on the address through the blind index (case-insensitive)."""
        return self.filter(email_index__in=email_blind_index_candidates(email))

    def _valid_assignments(self, when: datetime | None = None, **filters):
        # PurposeAssignment (models/consent.py) refers to Contact; reach it through
        # the reverse relation instead of importing it back.
        assignments = self.model._meta.get_field("assignments").related_model
        return assignments.objects.valid_at(when).filter(contact=OuterRef("pk"), **filters)

    def with_valid_purpose(self, purpose, when: datetime | None = None) -> ContactQuerySet:
        return self.filter(Exists(self._valid_assignments(when, purpose=purpose)))

    def with_any_valid_purpose(self, purposes, when: datetime | None = None) -> ContactQuerySet:
        """Contacts holding at least one of ``purposes`` validly: one semi-join, where
        ``with_valid_purpose(a) | with_valid_purpose(b)`` would probe twice per contact."""
        return self.filter(Exists(self._valid_assignments(when, purpose__in=list(purposes))))

    def without_valid_purpose(self, purpose, when: datetime | None = None) -> ContactQuerySet:
        return self.exclude(Exists(self._valid_assignments(when, purpose=purpose)))

    def without_any_valid_purpose(self, when: datetime | None = None) -> ContactQuerySet:
        return self.exclude(Exists(self._valid_assignments(when)))

    def with_purpose_expiring_within(
        self, days: int, purpose=None, when: datetime | None = None
    ) -> ContactQuerySet:
        """Contacts holding a valid purpose (``purpose`` or any) that lapses within ``days``."""
        now = when or timezone.now()
        filters = {"valid_until__lte": now + timedelta(days=days)}
        if purpose is not None:
            filters["purpose"] = purpose
        return self.filter(Exists(self._valid_assignments(now, **filters)))

    def expired_within(
        self, days: int, purpose=None, when: datetime | None = None
    ) -> ContactQuerySet:
        """Contacts whose purpose (``purpose`` or any) lapsed in the last ``days`` days:
        not revoked, ``now - days < valid_until <= now``. A renewal moves ``valid_until``
        on, so a renewed purpose no longer counts as expired."""
        now = when or timezone.now()
        assignments = self.model._meta.get_field("assignments").related_model
        filters = {
            "contact": OuterRef("pk"),
            "revoked_at__isnull": True,
            "valid_until__gt": now - timedelta(days=days),
            "valid_until__lte": now,
        }
        if purpose is not None:
            filters["purpose"] = purpose
        return self.filter(Exists(assignments.objects.filter(**filters)))

    def in_list(self, contact_list) -> ContactQuerySet:
        """Current members of ``contact_list`` (those who left it are not)."""
        return self.filter(
            Exists(
                ListMembership.objects.current().filter(
                    contact=OuterRef("pk"), contact_list=contact_list
                )
            )
        )

    def joined_list_between(
        self, contact_list, start: datetime | None = None, end: datetime | None = None
    ) -> ContactQuerySet:
        """Current members of ``contact_list`` who joined at ``start`` or later and before
        ``end`` (either bound may be open); the current stay's join date counts."""
        filters: dict = {"contact": OuterRef("pk"), "contact_list": contact_list}
        if start is not None:
            filters["added_at__gte"] = start
        if end is not None:
            filters["added_at__lt"] = end
        return self.filter(Exists(ListMembership.objects.current().filter(**filters)))

    def created_between(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> ContactQuerySet:
        """Contacts created at ``start`` or later and before ``end`` (either may be open)."""
        filters = {}
        if start is not None:
            filters["created_at__gte"] = start
        if end is not None:
            filters["created_at__lt"] = end
        return self.filter(**filters)

    def suppressed(self) -> ContactQuerySet:
        """Contacts whose address is suppressed: a join on the blind index, no plaintext."""
        return self.filter(
            Exists(Suppression.objects.filter(address_index=OuterRef("email_index")))
        )

    def not_suppressed(self) -> ContactQuerySet:
        return self.exclude(
            Exists(Suppression.objects.filter(address_index=OuterRef("email_index")))
        )

    def not_anonymised(self) -> ContactQuerySet:
        return self.filter(anonymised_at__isnull=True)


class Contact(models.Model):
    """A person who confirmed their address. Personal fields are encrypted at rest.

    ``str(contact)`` deliberately holds no personal data: Wagtail writes it into
    audit log entries.
    """

    # Binds the encrypted values to this row (their associated data names it).
    row_key = row_key_field()
    email = EncryptedTextField(_("e-mail"), null=True)
    email_index = models.CharField(max_length=96, unique=True, null=True, editable=False)
    first_name = EncryptedTextField(_("first name"), blank=True, default="")
    last_name = EncryptedTextField(_("last name"), blank=True, default="")
    custom_fields = EncryptedJSONField(
        _("custom fields"), blank=True, default=dict, help_text=_("Extra fields as JSON.")
    )
    source = models.CharField(
        _("source"), max_length=16, choices=ContactSource.choices, default=ContactSource.ADMIN
    )
    # No single-column index: the composite (created_at, id) index serves the
    # newest-first listing, and PostgreSQL would otherwise prefer the single one.
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    # No ManyToManyField to ContactList: its add()/remove() would bypass the history
    # (remove() deletes join dates). Memberships change through ``lists.py``.

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="gdpr_mail_contact_newest")]
        permissions = [
            ("view_consent_proof", _("Can view consent proof")),
            ("export_contact", _("Can export personal data")),
            ("erase_contact", _("Can erase personal data")),
        ]

    def __str__(self) -> str:
        return gettext("Contact #%(pk)s") % {"pk": self.pk}

    def save(self, *args, allow_suppressed: bool = False, **kwargs) -> None:
        """Save; a new contact (or a changed address) that is suppressed is refused.

        Only the confirmation of a double opt-in passes ``allow_suppressed``.
        """
        update_fields = kwargs.get("update_fields")
        unreadable = [
            name
            for name in unreadable_fields(self)
            if update_fields is None or name in update_fields
        ]
        if unreadable:
            # Refused before any query, so the caller's transaction stays usable.
            raise UnreadableValueError(
                f"Contact #{self.pk}: {', '.join(unreadable)} could not be decrypted and "
                "cannot be saved back. Set new values, or erase the contact."
            )
        old_index = self.email_index
        self.email_index = email_blind_index(self.email) if self.email else None
        # After a blind-index key rotation the stored index may be under an older key:
        # the same address, not a changed one.
        changed_address = self.email_index is not None and (
            old_index not in email_blind_index_candidates(self.email)
        )
        if changed_address and not allow_suppressed:
            if Suppression.objects.is_suppressed(self.email):
                raise SuppressedAddressError(
                    gettext(
                        "This address was erased or stopped receiving mail. Only the person "
                        "can bring it back, by subscribing through a form and confirming."
                    ),
                    code="suppressed",
                )
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_index"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        # str(): an unreadable part shows as "(unreadable)".
        return " ".join(str(part) for part in (self.first_name, self.last_name) if part)

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def display_email(self) -> str:
        return self.email or gettext("(anonymised)")


class ListMembershipQuerySet(models.QuerySet):
    def current(self) -> ListMembershipQuerySet:
        """Memberships not ended: the contact is in the list now."""
        return self.filter(left_at__isnull=True)

    def former(self) -> ListMembershipQuerySet:
        return self.filter(left_at__isnull=False)


class ListMembership(models.Model):
    """One stay of a contact in a list, from ``added_at`` to ``left_at`` (None: still in).

    Never deleted while the contact exists: join dates are evidence ("valid from
    the day the contact joined"). Leaving sets ``left_at``; joining again is a new row.
    Changes go through :mod:`wagtail_gdpr_mail.lists`.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    contact_list = models.ForeignKey(
        ContactList, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("list")
    )
    added_at = models.DateTimeField(_("joined"), default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )

    objects = ListMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("list membership")
        verbose_name_plural = _("list memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["contact_list", "contact"],
                condition=Q(left_at__isnull=True),
                name="gdpr_mail_unique_current_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} ∈ {self.contact_list}"

    @property
    def is_current(self) -> bool:
        return self.left_at is None
